import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Domain } from '../../domain/domain.js';
import {
  agentStatusSchema,
  conversationIdSchema,
  historyQuerySchema,
  listQuerySchema,
  messageBodySchema,
  openSupportSchema,
  queueQuerySchema,
  readBodySchema,
  typingBodySchema,
} from '../../domain/chat/chat-input.js';
import { route, type RestContext } from '../rest.js';

const idParams = z.strictObject({ id: conversationIdSchema });

/** Chat over REST: the same ChatService calls as the rpc methods (see domain/chat/chat-rpc.ts). */
export function registerChatRoutes(app: FastifyInstance, context: RestContext, domain: Domain): void {
  const tags = ['chat'];
  const { chat } = domain;

  route(app, context, {
    method: 'GET',
    url: '/conversations',
    summary: 'Your conversations, most recently active first, with unread counts',
    tags,
    query: listQuerySchema,
    handler: ({ principal, query }) => chat.list(principal, query),
  });
  route(app, context, {
    method: 'GET',
    url: '/conversations/:id',
    summary: 'One conversation: participants, read markers, agent, your unread count',
    tags,
    params: idParams,
    handler: ({ principal, params }) => chat.get(principal, params.id),
  });
  route(app, context, {
    method: 'GET',
    url: '/conversations/:id/messages',
    summary: 'History, newest page first (oldest first within a page); `before` = the previous nextCursor',
    tags,
    params: idParams,
    query: historyQuerySchema,
    handler: ({ principal, params, query }) => chat.history(principal, { ...query, conversationId: params.id }),
  });
  route(app, context, {
    method: 'POST',
    url: '/conversations/:id/messages',
    summary: 'Send a message; a retry with the same clientMessageId returns the stored one',
    tags,
    params: idParams,
    body: messageBodySchema,
    status: 201,
    handler: ({ principal, params, body }) => chat.send(principal, { ...body, conversationId: params.id }),
  });
  route(app, context, {
    method: 'POST',
    url: '/conversations/:id/read',
    summary: 'Move your read marker forward to a message',
    tags,
    params: idParams,
    body: readBodySchema,
    handler: ({ principal, params, body }) => chat.markRead(principal, { ...body, conversationId: params.id }),
  });
  route(app, context, {
    method: 'POST',
    url: '/conversations/:id/typing',
    summary: 'Typing indicator (live only, throttled to one per second, expires by itself)',
    tags,
    params: idParams,
    body: typingBodySchema,
    handler: ({ principal, params, body }) => chat.typing(principal, { ...body, conversationId: params.id }),
  });
  route(app, context, {
    method: 'POST',
    url: '/support/conversations',
    summary: 'Open a support conversation (it waits in the queue until an agent claims it)',
    tags,
    body: openSupportSchema,
    status: 201,
    handler: ({ principal, body }) => chat.support.open(principal, body),
  });
  route(app, context, {
    method: 'GET',
    url: '/support/queue',
    summary: 'Support conversations waiting for an agent, oldest first (support staff)',
    tags,
    query: queueQuerySchema,
    handler: ({ principal, query }) => chat.support.queue(principal, query.limit),
  });
  route(app, context, {
    method: 'POST',
    url: '/support/conversations/:id/claim',
    summary: 'Claim a queued conversation (support agents); 409 chat_already_claimed if another agent won',
    tags,
    params: idParams,
    handler: ({ principal, params }) => chat.support.claim(principal, params.id),
  });
  route(app, context, {
    method: 'POST',
    url: '/support/conversations/:id/close',
    summary: 'Resolve a support conversation: read-only from now on',
    tags,
    params: idParams,
    handler: ({ principal, params }) => chat.support.close(principal, params.id),
  });
  route(app, context, {
    method: 'PUT',
    url: '/support/agents/me/status',
    summary: 'Set your availability as an agent (online, away, offline)',
    tags,
    body: agentStatusSchema,
    handler: ({ principal, body }) => chat.support.setAgentStatus(principal, body.status),
  });
  route(app, context, {
    method: 'GET',
    url: '/support/agents',
    summary: 'Agents and their availability (support staff)',
    tags,
    handler: ({ principal }) => chat.support.agents(principal),
  });
}
