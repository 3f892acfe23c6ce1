import { z } from 'zod';
import { channels } from '@dabba/protocol';
import { inbound } from './inbound.js';
import type { NamespaceSpec } from './namespace-spec.js';
import { notificationsVocabulary } from './vocabulary.js';

const ROOM_PATTERN = /^(order|user)-([A-Za-z0-9_.@=-]{1,64})$/;

/** Seed 002's room names, `order-{id}` and `user-{id}`, as hub channels. Sent bare or as `{room}`. */
const roomSchema = z
  .union([z.string(), z.object({ room: z.string() })])
  .transform((value) => (typeof value === 'string' ? value : value.room))
  .pipe(z.string().max(80).regex(ROOM_PATTERN, 'room must be order-{id} or user-{id}'))
  .transform((room) => {
    const [, kind, id] = ROOM_PATTERN.exec(room) as RegExpExecArray;
    return kind === 'order' ? channels.order(id as string) : channels.user(id as string);
  });

/**
 * `/notifications`, seed 002's gateway. A socket follows its user's channel (`notification`);
 * `joinRoom` / `leaveRoom` follow and leave an order's or a user's channel, authorized by the
 * hub exactly as the native face's subscribe (a room the native face would deny is refused).
 */
export const notificationsNamespace: NamespaceSpec = {
  name: '/notifications',
  vocabulary: notificationsVocabulary,
  initialChannels: (claims) => [channels.user(claims.sub)],
  handlers: {
    joinRoom: inbound(roomSchema, async (bridge, channel) => {
      if (!bridge.follows(channel)) await bridge.follow(channel);
    }),
    leaveRoom: inbound(roomSchema, async (bridge, channel) => {
      await bridge.unfollow(channel);
    }),
  },
};
