import { channels, parseChannel } from '@dabba/protocol';
import type { Hub } from '../../hub/hub.js';
import type { Logger } from '../../logger.js';
import type { OrderService } from '../orders/order-service.js';
import type { ChatDeps } from './chat-context.js';
import { findConversation, findOrderConversation } from './chat-repository.js';
import { canRead } from './conversation.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * `chat:{conversationId}`: messages, read receipts, participant changes, agent status (with
 * history, for recovery; the store keeps the whole conversation) and typing (live only).
 * Presence is on: it tells the service who is following a conversation, so that the others are
 * notified of a new message. Who may subscribe: see `canRead` (participants; support staff for
 * support chats; admins). A driver taken off an order is unsubscribed from its chat at once.
 */
export function registerChatChannels(hub: Hub, deps: Pick<ChatDeps, 'db'>, orders: OrderService, logger: Logger): void {
  hub.namespaces.define('chat', { historySize: 300, historyTtlMs: DAY_MS, presence: true });
  hub.authorization.set('chat', async (claims, channel) => {
    const conversation = await findConversation(deps.db, parseChannel(channel).rest);
    return conversation !== undefined && canRead({ id: claims.sub, role: claims.role }, conversation);
  });
  orders.onDriverUnassigned((orderId, driverId) => {
    findOrderConversation(deps.db, orderId, 'driver')
      .then((conversation) => {
        if (conversation) hub.unsubscribeUser(driverId, [channels.chat(conversation.id)]);
      })
      .catch((error: unknown) => logger.error({ err: error, orderId }, 'ending a reassigned driver’s chat failed'));
  });
}
