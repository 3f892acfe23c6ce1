import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { channels, type AgentStatus } from '@dabba/protocol';
import { DabbaError } from '../../errors.js';
import type { Database } from '../../store/schema.js';
import { domainEvent, type OutgoingEvent } from '../events.js';
import type { Principal } from '../orders/order.js';
import { commit, loadReadable, participantsOf, userNames, type ChatDeps } from './chat-context.js';
import { checkMessageText, type OpenSupportInput } from './chat-input.js';
import * as repo from './chat-repository.js';
import { activeMember, type ChatMessage, type ChatParticipant, type Conversation } from './conversation.js';
import { viewOf, type ConversationView } from './conversation-view.js';

/** Stores a message inside a transaction (the ChatService's own path, shared with the first message). */
export type StoreMessage = (
  trx: Transaction<Database>,
  principal: Principal,
  conversationId: string,
  input: { clientMessageId: string; text: string },
) => Promise<{ result: ChatMessage; events: OutgoingEvent[] }>;

export interface AgentStatusView {
  agentId: string;
  agentName: string;
  status: AgentStatus;
  at: string;
}

const SUPPORT_ROLE_CHANNEL = channels.role('support');

/**
 * Support conversations: any user opens one; it waits in the queue (`chat:queued` to
 * `role:support`) until an agent claims it — exactly one claim wins, on either engine — and is
 * closed when resolved. Agents set their availability; `chat:agent_status` goes to
 * `role:support` (the team's board) and to each open conversation the agent holds (so the
 * customer sees "away").
 */
export class SupportDesk {
  constructor(
    private readonly deps: ChatDeps,
    private readonly storeMessage: StoreMessage,
  ) {}

  async open(principal: Principal, input: OpenSupportInput): Promise<ConversationView> {
    if (principal.role === 'system') throw new DabbaError('forbidden', 'a support conversation is opened by a user');
    const text =
      input.text === undefined ? undefined : checkMessageText(input.text, this.deps.options.maxMessageLength);
    const at = new Date().toISOString();
    const id = randomUUID();
    await commit(this.deps, async (trx) => {
      const conversation: Conversation = {
        id,
        kind: 'support',
        status: 'queued',
        orderId: null,
        topic: null,
        subject: input.subject,
        createdBy: principal.id,
        agentId: null,
        lastSeq: 0,
        lastMessageAt: null,
        createdAt: at,
        updatedAt: at,
        closedAt: null,
      };
      await repo.insertConversation(trx, conversation);
      await repo.join(trx, id, { userId: principal.id, role: principal.role }, at);
      const [requester] = await participantsOf(trx, [
        {
          userId: principal.id,
          role: principal.role,
          joinedAt: at,
          leftAt: null,
          lastReadSeq: 0,
          lastReadMessageId: null,
        },
      ]);
      if (!requester) throw new DabbaError('internal', 'requester missing');
      const events = [
        domainEvent(channels.user(principal.id), 'chat:opened', {
          conversationId: id,
          kind: 'support',
          topic: null,
          orderId: null,
          subject: input.subject,
          participants: [requester],
          openedAt: at,
        }),
        domainEvent(SUPPORT_ROLE_CHANNEL, 'chat:queued', {
          conversationId: id,
          requester,
          subject: input.subject,
          queuedAt: at,
        }),
      ];
      if (text !== undefined && input.clientMessageId !== undefined) {
        const first = await this.storeMessage(trx, principal, id, { clientMessageId: input.clientMessageId, text });
        events.push(...first.events);
      }
      return { result: id, events };
    });
    return this.view(principal, id);
  }

  /** Support conversations waiting for an agent, oldest first. Support staff and admins. */
  async queue(principal: Principal, limit: number): Promise<{ conversations: ConversationView[] }> {
    requireStaff(principal);
    const queued = await repo.listQueue(this.deps.db, limit);
    return { conversations: await Promise.all(queued.map((c) => viewOf(this.deps.db, principal, c))) };
  }

  /** Takes a queued conversation. Of concurrent claims exactly one wins; the others get `chat_already_claimed`. */
  async claim(principal: Principal, id: string): Promise<ConversationView> {
    if (principal.role !== 'support') throw new DabbaError('forbidden', 'only support agents claim conversations');
    const conversation = await loadReadable(this.deps.db, principal, id);
    if (conversation.kind !== 'support') throw new DabbaError('bad_request', 'only support conversations are claimed');
    const at = new Date().toISOString();
    await commit(this.deps, async (trx) => {
      if (!(await repo.claim(trx, id, principal.id, at))) {
        const current = await repo.findConversation(trx, id);
        if (current?.status === 'closed') throw new DabbaError('chat_closed', 'this conversation is closed');
        throw new DabbaError('chat_already_claimed', 'another agent has claimed this conversation', {
          details: { agentId: current?.agentId ?? null },
        });
      }
      await repo.join(trx, id, { userId: principal.id, role: 'support' }, at);
      const agent = await this.participant(trx, principal.id, 'support');
      const claimed = { conversationId: id, agent, claimedAt: at };
      return {
        result: undefined,
        events: [
          domainEvent(SUPPORT_ROLE_CHANNEL, 'chat:claimed', claimed),
          domainEvent(channels.chat(id), 'chat:claimed', claimed),
        ],
      };
    });
    return this.view(principal, id);
  }

  /** Marks a support conversation resolved: read-only from now on. Its participants, support staff or admins. */
  async close(principal: Principal, id: string): Promise<ConversationView> {
    const conversation = await loadReadable(this.deps.db, principal, id);
    if (conversation.kind !== 'support') {
      throw new DabbaError('bad_request', 'order conversations close with their order');
    }
    const staff = principal.role === 'support' || principal.role === 'admin' || principal.role === 'system';
    if (!staff && !activeMember(conversation, principal.id)) {
      throw new DabbaError('forbidden', 'only participants or support staff close a conversation');
    }
    const at = new Date().toISOString();
    await commit(this.deps, async (trx) => {
      const closed = await repo.close(trx, id, at);
      const event = domainEvent(channels.chat(id), 'chat:closed', {
        conversationId: id,
        reason: 'resolved',
        closedBy: principal.id,
        at,
      });
      return { result: closed, events: closed ? [event] : [] };
    });
    return this.view(principal, id);
  }

  /** Sets the calling agent's availability and announces a change (a repeat announces nothing). */
  async setAgentStatus(principal: Principal, status: AgentStatus): Promise<AgentStatusView> {
    if (principal.role !== 'support') throw new DabbaError('forbidden', 'only support agents have a status');
    const previous = await repo.agentStatus(this.deps.db, principal.id);
    const at = new Date().toISOString();
    return commit(this.deps, async (trx) => {
      await repo.setAgentStatus(trx, principal.id, status, at);
      const names = await userNames(trx, [principal.id]);
      const view: AgentStatusView = {
        agentId: principal.id,
        agentName: names.get(principal.id) ?? principal.id,
        status,
        at,
      };
      if (previous === status) return { result: view, events: [] };
      const targets = [
        SUPPORT_ROLE_CHANNEL,
        ...(await repo.agentConversationIds(trx, principal.id)).map(channels.chat),
      ];
      return { result: view, events: targets.map((channel) => domainEvent(channel, 'chat:agent_status', view)) };
    });
  }

  /** Every agent who ever set a status, with it. Support staff and admins. */
  async agents(principal: Principal): Promise<{ agents: AgentStatusView[] }> {
    requireStaff(principal);
    const statuses = await repo.agentStatuses(this.deps.db);
    const names = await userNames(
      this.deps.db,
      statuses.map((s) => s.agentId),
    );
    return {
      agents: statuses.map((s) => ({
        agentId: s.agentId,
        agentName: names.get(s.agentId) ?? s.agentId,
        status: s.status,
        at: s.at,
      })),
    };
  }

  private async view(principal: Principal, id: string): Promise<ConversationView> {
    return viewOf(this.deps.db, principal, await loadReadable(this.deps.db, principal, id));
  }

  private async participant(trx: Transaction<Database>, userId: string, role: ChatParticipant['role']) {
    const names = await userNames(trx, [userId]);
    return { userId, role, name: names.get(userId) ?? userId };
  }
}

function requireStaff(principal: Principal): void {
  if (!['support', 'admin', 'system'].includes(principal.role)) {
    throw new DabbaError('forbidden', 'the support queue is for support staff');
  }
}
