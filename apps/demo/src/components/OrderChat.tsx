import { useEvent } from '@dabba/react';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { api } from '../demo-api.js';
import { ChatPanel } from './ChatPanel.js';

interface ConversationSummary {
  id: string;
  kind: 'order' | 'support';
  orderId: string | null;
  topic: 'kitchen' | 'driver' | null;
}

/** The id of an order's chat with the kitchen or the driver, once it is open (`chat:opened`). */
export function useOrderConversation(token: string, orderId: string, topic: 'kitchen' | 'driver'): string | undefined {
  const [id, setId] = useState<string>();
  const load = useCallback(() => {
    api<{ conversations: ConversationSummary[] }>(token, 'GET', '/conversations?limit=50').then(
      (r) => setId(r.conversations.find((c) => c.kind === 'order' && c.orderId === orderId && c.topic === topic)?.id),
      () => undefined,
    );
  }, [token, orderId, topic]);
  useEffect(load, [load]);
  useEvent('chat:opened', load);
  return id;
}

/** A staff member's chat with the order's customer, behind a button so a list of orders stays short. */
export function OrderChat(props: { token: string; orderId: string; topic: 'kitchen' | 'driver' }): ReactNode {
  const conversationId = useOrderConversation(props.token, props.orderId, props.topic);
  const [open, setOpen] = useState(false);
  if (!conversationId) return null;
  return (
    <div className="order-chat">
      <button type="button" data-testid={`open-chat-${props.orderId}`} onClick={() => setOpen(!open)}>
        {open ? 'Hide chat' : 'Chat with the customer'}
      </button>
      {open && <ChatPanel conversationId={conversationId} title="Chat with the customer" />}
    </div>
  );
}
