import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { channels, TERMINAL_STATUSES, type OrderChatTopic } from '@dabba/protocol';
import type { Database } from '../../store/schema.js';
import { domainEvent, type OutgoingEvent } from '../events.js';
import type { Order } from '../orders/order.js';
import type { OrderChange, OrderChangedHook } from '../orders/order-service.js';
import { participantsOf } from './chat-context.js';
import * as repo from './chat-repository.js';
import type { Membership } from './conversation.js';

/**
 * Order chats follow the order, inside the order's own transaction (so a chat exists exactly
 * when its order says so):
 * - the kitchen chat (customer ↔ chef) opens when the order is accepted;
 * - the driver chat (customer ↔ driver) opens when a driver is first assigned; a reassigned
 *   driver leaves it and the new one joins (same conversation, same history);
 * - both become read-only when the order ends (delivered, cancelled, rejected, payment failed).
 * Openings are announced on `order:{id}` and each participant's `user:{id}`.
 */
export const orderChatHook: OrderChangedHook = async (trx, change) => {
  const { before, after } = change;
  const at = new Date().toISOString();
  if (TERMINAL_STATUSES.has(after.status)) {
    return TERMINAL_STATUSES.has(before.status) ? [] : closeOrderChats(trx, after.id, at);
  }
  const events: OutgoingEvent[] = [];
  if (wasAccepted(change)) events.push(...(await openKitchenChat(trx, after, at)));
  if (after.driverId && after.driverId !== before.driverId) {
    events.push(...(await driverJoins(trx, after, after.driverId, before.driverId, at)));
  }
  return events;
};

function wasAccepted({ steps }: OrderChange): boolean {
  return steps.some((step) => step.status === 'accepted');
}

async function openKitchenChat(trx: Transaction<Database>, order: Order, at: string): Promise<OutgoingEvent[]> {
  if (await repo.findOrderConversation(trx, order.id, 'kitchen')) return [];
  return openOrderChat(trx, order, 'kitchen', { userId: order.chefId, role: 'chef' }, at);
}

async function driverJoins(
  trx: Transaction<Database>,
  order: Order,
  driverId: string,
  previousDriverId: string | null,
  at: string,
): Promise<OutgoingEvent[]> {
  const existing = await repo.findOrderConversation(trx, order.id, 'driver');
  if (!existing) return openOrderChat(trx, order, 'driver', { userId: driverId, role: 'driver' }, at);
  const channel = channels.chat(existing.id);
  const events: OutgoingEvent[] = [];
  if (previousDriverId) {
    await repo.leave(trx, existing.id, previousDriverId, at);
    events.push(
      domainEvent(channel, 'chat:participant_left', { conversationId: existing.id, userId: previousDriverId, at }),
    );
  }
  await repo.join(trx, existing.id, { userId: driverId, role: 'driver' }, at);
  const [joined] = await participantsOf(trx, [member(driverId, 'driver', at)]);
  if (joined)
    events.push(
      domainEvent(channel, 'chat:participant_joined', { conversationId: existing.id, participant: joined, at }),
    );
  const participants = await participantsOf(trx, (await repo.findConversation(trx, existing.id))?.members ?? []);
  events.push(
    domainEvent(channels.user(driverId), 'chat:opened', {
      conversationId: existing.id,
      kind: 'order',
      topic: 'driver',
      orderId: order.id,
      subject: null,
      participants,
      openedAt: existing.createdAt,
    }),
  );
  return events;
}

async function openOrderChat(
  trx: Transaction<Database>,
  order: Order,
  topic: OrderChatTopic,
  other: { userId: string; role: 'chef' | 'driver' },
  at: string,
): Promise<OutgoingEvent[]> {
  const { customerId } = order;
  const { userId: otherId, role: otherRole } = other;
  const id = randomUUID();
  await repo.insertConversation(trx, {
    id,
    kind: 'order',
    status: 'open',
    orderId: order.id,
    topic,
    subject: null,
    createdBy: 'system',
    agentId: null,
    lastSeq: 0,
    lastMessageAt: null,
    createdAt: at,
    updatedAt: at,
    closedAt: null,
  });
  await repo.join(trx, id, { userId: customerId, role: 'customer' }, at);
  await repo.join(trx, id, { userId: otherId, role: otherRole }, at);
  const participants = await participantsOf(trx, [member(customerId, 'customer', at), member(otherId, otherRole, at)]);
  const opened = {
    conversationId: id,
    kind: 'order' as const,
    topic,
    orderId: order.id,
    subject: null,
    participants,
    openedAt: at,
  };
  return [
    domainEvent(channels.order(order.id), 'chat:opened', opened),
    domainEvent(channels.user(customerId), 'chat:opened', opened),
    domainEvent(channels.user(otherId), 'chat:opened', opened),
  ];
}

async function closeOrderChats(trx: Transaction<Database>, orderId: string, at: string): Promise<OutgoingEvent[]> {
  const events: OutgoingEvent[] = [];
  for (const conversation of await repo.listOrderConversations(trx, orderId)) {
    if (!(await repo.close(trx, conversation.id, at))) continue;
    events.push(
      domainEvent(channels.chat(conversation.id), 'chat:closed', {
        conversationId: conversation.id,
        reason: 'order_ended',
        closedBy: null,
        at,
      }),
    );
  }
  return events;
}

function member(userId: string, role: Membership['role'], at: string): Membership {
  return { userId, role, joinedAt: at, leftAt: null, lastReadSeq: 0, lastReadMessageId: null };
}
