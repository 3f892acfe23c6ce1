import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { channels } from '@dabba/protocol';
import { bareId, renameAliases } from './aliases.js';
import { inbound, type InboundHandler } from './inbound.js';
import { ackFields, callRpc, ensureFollowing } from './rpc-call.js';

const conversationId = z.string().min(1).max(64);
/** Most message ids one `chat:read` may name. */
const MAX_READ_IDS = 100;

/** Seed 004 names the conversation `chatId`, the text `message` and the typing flag `isTyping`. */
const seed004 = renameAliases({ chatId: 'conversationId', message: 'text', isTyping: 'typing' });

const chatRef = z.preprocess(bareId('conversationId'), z.preprocess(seed004, z.object({ conversationId })));
const sendSchema = z.preprocess(
  seed004,
  z.object({ conversationId, text: z.string(), clientMessageId: z.string().min(1).max(128).optional() }),
);
const typingSchema = z.preprocess(seed004, z.object({ conversationId, typing: z.boolean().default(true) }));
/** `messageIds` (seed 004) marks up to the last one named; the marker only moves forward. */
const readSchema = z.preprocess(
  seed004,
  z
    .object({
      conversationId,
      messageId: z.string().min(1).max(64).optional(),
      messageIds: z.array(z.string().min(1).max(64)).min(1).max(MAX_READ_IDS).optional(),
    })
    .transform((v, ctx) => {
      const messageId = v.messageId ?? v.messageIds?.at(-1);
      if (messageId === undefined) {
        ctx.addIssue({ code: 'custom', message: 'messageId (or messageIds) is required', path: ['messageId'] });
        return z.NEVER;
      }
      return { conversationId: v.conversationId, messageId };
    }),
);
const agentStatusSchema = z.object({ status: z.string() });

/**
 * Seed 004's chat on `/app`, through the chat service's rpc methods (same validation,
 * authorization and events as every face): join and leave a conversation's `chat:{id}`
 * (authorized by the hub like the native subscribe), send, type, read; agents set their status.
 * A conversation the user sends to, types in or reads is followed from then on.
 */
export const appChatHandlers: Readonly<Record<string, InboundHandler>> = {
  'subscribe:chat': inbound(chatRef, async (bridge, { conversationId: id }) => {
    await ensureFollowing(bridge, channels.chat(id));
  }),
  'unsubscribe:chat': inbound(chatRef, async (bridge, { conversationId: id }) => {
    await bridge.unfollow(channels.chat(id));
  }),
  'chat:send_message': inbound(sendSchema, async (bridge, { conversationId: id, text, clientMessageId }) => {
    const message = await callRpc(bridge, 'chat.send', {
      conversationId: id,
      text,
      clientMessageId: clientMessageId ?? randomUUID(),
    });
    await ensureFollowing(bridge, channels.chat(id));
    return { message };
  }),
  'chat:typing': inbound(typingSchema, async (bridge, { conversationId: id, typing }) => {
    const result = await callRpc(bridge, 'chat.typing', { conversationId: id, typing });
    await ensureFollowing(bridge, channels.chat(id));
    return ackFields(result);
  }),
  'chat:read': inbound(readSchema, async (bridge, { conversationId: id, messageId }) => {
    const result = await callRpc(bridge, 'chat.read', { conversationId: id, messageId });
    await ensureFollowing(bridge, channels.chat(id));
    return ackFields(result);
  }),
  'chat:agent_status': inbound(agentStatusSchema, async (bridge, { status }) => ({
    agent: await callRpc(bridge, 'chat.agent_status', { status }),
  })),
};
