import { useChannel, useToast } from '@dabba/react';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { ChatPanel } from '../components/ChatPanel.js';
import { api } from '../demo-api.js';
import { useReloadOnReconnect } from './KitchenView.js';

interface QueuedConversation {
  id: string;
  subject: string | null;
  participants: Array<{ userId: string; name: string; role: string }>;
  createdAt: string;
}
interface ConversationSummary {
  id: string;
  kind: 'order' | 'support';
  status: 'queued' | 'open' | 'closed';
  subject: string | null;
  unreadCount: number;
}

/** Support: the live queue (`role:support`), claim a conversation (one agent wins), chat in it. */
export function SupportView({ token }: { token: string }): ReactNode {
  const [queue, setQueue] = useState<QueuedConversation[]>([]);
  const [mine, setMine] = useState<ConversationSummary[]>([]);
  const [openId, setOpenId] = useState<string>();
  const toast = useToast();
  const reload = useCallback(() => {
    api<{ conversations: QueuedConversation[] }>(token, 'GET', '/support/queue').then(
      (r) => setQueue(r.conversations),
      (error: Error) => toast.error(error.message),
    );
    api<{ conversations: ConversationSummary[] }>(token, 'GET', '/conversations?limit=50').then(
      (r) => setMine(r.conversations.filter((c) => c.kind === 'support' && c.status !== 'closed')),
      () => undefined,
    );
  }, [token, toast]);
  useEffect(reload, [reload]);
  useChannel('role:support', (_data, meta) => {
    if (meta.type === 'chat:queued') toast.info('A customer is waiting', { title: 'New support request' });
    if (meta.type === 'chat:queued' || meta.type === 'chat:claimed') reload();
  });
  useReloadOnReconnect(reload);

  const claim = async (id: string): Promise<void> => {
    try {
      await api(token, 'POST', `/support/conversations/${id}/claim`);
      setOpenId(id);
    } catch (error) {
      toast.error((error as Error).message);
    }
    reload();
  };

  return (
    <>
      <section className="card">
        <h2>Queue</h2>
        {queue.length === 0 && <p className="muted">Nobody is waiting.</p>}
        <ul className="rows" data-testid="support-queue">
          {queue.map((c) => (
            <li key={c.id}>
              <strong>{c.subject ?? 'No subject'}</strong> · {c.participants.map((p) => p.name).join(', ')}{' '}
              <button type="button" className="primary" data-testid={`claim-${c.id}`} onClick={() => void claim(c.id)}>
                Claim
              </button>
            </li>
          ))}
        </ul>
      </section>
      <section className="card">
        <h2>Your conversations</h2>
        {mine.length === 0 && <p className="muted">Claim one from the queue.</p>}
        <ul className="rows">
          {mine.map((c) => (
            <li key={c.id}>
              <button type="button" className="link" onClick={() => setOpenId(c.id)}>
                {c.subject ?? c.id}
              </button>
              {c.id !== openId && c.unreadCount > 0 && <span className="badge">{c.unreadCount}</span>}
            </li>
          ))}
        </ul>
      </section>
      {openId && (
        <section className="card">
          <ChatPanel key={openId} conversationId={openId} title="Conversation" />
        </section>
      )}
    </>
  );
}
