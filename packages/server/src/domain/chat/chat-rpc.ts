import { parseRpcData, type RpcRegistry } from '../../hub/rpc.js';
import type { Principal } from '../orders/order.js';
import {
  agentStatusSchema,
  conversationOnlySchema,
  historyInputSchema,
  openSupportSchema,
  readInputSchema,
  sendInputSchema,
  typingInputSchema,
} from './chat-input.js';
import type { ChatService } from './chat-service.js';

/**
 * Native-protocol rpc methods, each taking the same object as its REST route (plus
 * `conversationId`):
 * `chat.send` {conversationId, clientMessageId, text} → the stored message;
 * `chat.typing` {conversationId, typing?} → {forwarded, expiresInMs};
 * `chat.read` {conversationId, messageId} → the read marker and unread count;
 * `chat.history` {conversationId, before?, limit?} → a page of messages;
 * `chat.get` {conversationId}; `chat.open_support` {subject, text?, clientMessageId?};
 * `chat.claim` {conversationId} and `chat.agent_status` {status} for agents;
 * `chat.close` {conversationId} for support conversations.
 */
export function registerChatRpc(rpc: RpcRegistry, chat: ChatService): void {
  const as = (claims: { sub: string; role: Principal['role'] }): Principal => ({ id: claims.sub, role: claims.role });
  rpc.register('chat.send', (c, data) => chat.send(as(c.claims), parseRpcData(sendInputSchema, data)));
  rpc.register('chat.typing', (c, data) => chat.typing(as(c.claims), parseRpcData(typingInputSchema, data)));
  rpc.register('chat.read', (c, data) => chat.markRead(as(c.claims), parseRpcData(readInputSchema, data)));
  rpc.register('chat.history', (c, data) => chat.history(as(c.claims), parseRpcData(historyInputSchema, data)));
  rpc.register('chat.get', (c, data) =>
    chat.get(as(c.claims), parseRpcData(conversationOnlySchema, data).conversationId),
  );
  rpc.register('chat.open_support', (c, data) =>
    chat.support.open(as(c.claims), parseRpcData(openSupportSchema, data)),
  );
  rpc.register('chat.claim', (c, data) =>
    chat.support.claim(as(c.claims), parseRpcData(conversationOnlySchema, data).conversationId),
  );
  rpc.register('chat.close', (c, data) =>
    chat.support.close(as(c.claims), parseRpcData(conversationOnlySchema, data).conversationId),
  );
  rpc.register('chat.agent_status', (c, data) =>
    chat.support.setAgentStatus(as(c.claims), parseRpcData(agentStatusSchema, data).status),
  );
}
