import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { channels, isCatalogEvent } from '@dabba/protocol';
import type { SocketBridge } from './bridge.js';
import { inbound } from './inbound.js';
import type { NamespaceSpec } from './namespace-spec.js';
import { ackFields, callRpc, ensureFollowing } from './rpc-call.js';
import type { Vocabulary } from './vocabulary.js';

const conversationId = z.string().min(1).max(64);
const conversationRef = z.object({ conversationId });
/** The sender's id for a message (a retry with the same id is stored once); generated when left out. */
const clientMessageId = z.string().min(1).max(128).optional();

const messageSchema = z.object({ conversationId, text: z.string(), clientMessageId });
const typingSchema = z.object({ conversationId, typing: z.boolean().default(true) });
const readSchema = z.object({ conversationId, messageId: z.string().min(1).max(64) });
const openSchema = z.object({ subject: z.string(), text: z.string().optional(), clientMessageId });
const agentStatusSchema = z.object({ status: z.string() });

/** Seed 002's names for the conversation events it knows; the other chat events keep their catalog names. */
const SEED_002_NAMES: Readonly<Record<string, string>> = {
  'chat:message': 'message',
  'chat:typing': 'typing',
  'chat:read': 'read',
};

/**
 * `/support` (seed 002): `message`, `typing`, `read`, and every other chat event (`chat:queued`,
 * `chat:claimed`, `chat:agent_status`, `chat:opened`, `chat:closed`, …) under its catalog name.
 * Nothing but chat events is sent here.
 */
export const supportVocabulary: Vocabulary = (envelope) => {
  if (!envelope.type.startsWith('chat:') || !isCatalogEvent(envelope.type)) return null;
  return [SEED_002_NAMES[envelope.type] ?? envelope.type, envelope.data];
};

/** Runs a chat rpc on a conversation, then follows its channel (a participant's events flow from then on). */
async function inConversation(bridge: SocketBridge, id: string, method: string, data: Record<string, unknown>) {
  const result = await callRpc(bridge, method, { ...data, conversationId: id });
  await ensureFollowing(bridge, channels.chat(id));
  return result;
}

/** The conversation id of a service reply that is a conversation view. */
function idOf(conversation: unknown): string {
  return (conversation as { id: string }).id;
}

/**
 * `/support`, seed 002's live chat with the support team, on top of the chat service (the same
 * rpc methods as the native face: same validation, same authorization, same events). A socket
 * follows `user:{sub}` (where `chat:opened` arrives); support agents also follow `role:support`
 * (the queue: `chat:queued`, `chat:claimed`, `chat:agent_status`). `join` follows a
 * conversation's `chat:{id}`, authorized by the hub exactly as the native face's subscribe;
 * sending, typing and reading follow it too once the service has accepted them.
 */
export const supportNamespace: NamespaceSpec = {
  name: '/support',
  vocabulary: supportVocabulary,
  initialChannels: (claims) =>
    claims.role === 'support' ? [channels.user(claims.sub), channels.role('support')] : [channels.user(claims.sub)],
  handlers: {
    join: inbound(conversationRef, async (bridge, { conversationId: id }) => {
      await ensureFollowing(bridge, channels.chat(id));
    }),
    leave: inbound(conversationRef, async (bridge, { conversationId: id }) => {
      await bridge.unfollow(channels.chat(id));
    }),
    message: inbound(messageSchema, async (bridge, { conversationId: id, text, clientMessageId: given }) => ({
      message: await inConversation(bridge, id, 'chat.send', { text, clientMessageId: given ?? randomUUID() }),
    })),
    typing: inbound(typingSchema, async (bridge, { conversationId: id, typing }) =>
      ackFields(await inConversation(bridge, id, 'chat.typing', { typing })),
    ),
    read: inbound(readSchema, async (bridge, { conversationId: id, messageId }) =>
      ackFields(await inConversation(bridge, id, 'chat.read', { messageId })),
    ),
    open: inbound(openSchema, async (bridge, input) => {
      const first =
        input.text === undefined ? {} : { text: input.text, clientMessageId: input.clientMessageId ?? randomUUID() };
      const conversation = await callRpc(bridge, 'chat.open_support', { subject: input.subject, ...first });
      await ensureFollowing(bridge, channels.chat(idOf(conversation)));
      return { conversation };
    }),
    claim: inbound(conversationRef, async (bridge, { conversationId: id }) => ({
      conversation: await inConversation(bridge, id, 'chat.claim', {}),
    })),
    close: inbound(conversationRef, async (bridge, { conversationId: id }) => ({
      conversation: await callRpc(bridge, 'chat.close', { conversationId: id }),
    })),
    agentStatus: inbound(agentStatusSchema, async (bridge, { status }) => ({
      agent: await callRpc(bridge, 'chat.agent_status', { status }),
    })),
  },
};
