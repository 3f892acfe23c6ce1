import type { Hub } from '../../hub/hub.js';
import type { Logger } from '../../logger.js';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import type { NotificationService } from '../notifications/notification-service.js';
import type { OrderService } from '../orders/order-service.js';
import type { Outbox } from '../outbox.js';
import { registerChatChannels } from './channel-rules.js';
import { resolveChatOptions, type ChatOptions } from './chat-options.js';
import { registerChatRpc } from './chat-rpc.js';
import { ChatService } from './chat-service.js';
import { orderChatHook } from './order-chats.js';

export type { ChatOptions };
export { ChatService };

/** Wires chat: the service, the `chat` channel rules, order chats on order changes, and the rpc methods. */
export function createChat(
  deps: {
    db: Kysely<Database>;
    hub: Hub;
    outbox: Outbox;
    notifications: NotificationService;
    logger: Logger;
    orders: OrderService;
  },
  options: ChatOptions = {},
): ChatService {
  const chat = new ChatService({ ...deps, options: resolveChatOptions(options) });
  registerChatChannels(deps.hub, deps, deps.orders, deps.logger);
  deps.orders.onChanged(orderChatHook);
  registerChatRpc(deps.hub.rpc, chat);
  return chat;
}
