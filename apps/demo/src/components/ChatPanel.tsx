import { useChat, useDabbaUserId } from '@dabba/react';
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';

/** One conversation, live (`useChat`): messages, ours still sending, who is typing, a box to write. */
export function ChatPanel({ conversationId, title }: { conversationId: string; title: string }): ReactNode {
  const chat = useChat(conversationId);
  const me = useDabbaUserId();
  const [draft, setDraft] = useState('');
  const list = useRef<HTMLOListElement>(null);
  const newest = chat.messages.at(-1);

  useEffect(() => {
    list.current?.scrollTo({ top: list.current.scrollHeight });
    if (newest && newest.senderId !== me) chat.markRead(newest.id);
    // Only a new newest message moves the read marker and the scroll.
  }, [newest?.id]);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const text = draft.trim();
    if (!text) return;
    setDraft('');
    chat.stopTyping();
    chat.send(text).catch(() => undefined); // A refusal shows on the pending message.
  };

  return (
    <section className="chat" data-testid={`chat-${conversationId}`}>
      <h3>{title}</h3>
      <ol className="chat-messages" ref={list}>
        {chat.messages.map((m) => (
          <li key={m.id} className={m.senderId === me ? 'mine' : 'theirs'} data-testid="chat-message">
            <span className="chat-sender">{m.senderId === me ? 'You' : m.senderName}</span> {m.text}
          </li>
        ))}
        {chat.pending.map((p) => (
          <li key={p.clientMessageId} className="mine pending" data-testid="chat-pending">
            {p.text} <small>{p.status === 'failed' ? `not sent: ${p.error?.message ?? ''}` : 'sending…'}</small>
          </li>
        ))}
      </ol>
      {chat.typingUsers.length > 0 && <p className="typing">typing…</p>}
      <form onSubmit={submit} className="chat-form">
        <input
          data-testid="chat-input"
          value={draft}
          placeholder="Write a message"
          maxLength={4000}
          onChange={(e) => {
            setDraft(e.target.value);
            if (e.target.value) chat.typing();
            else chat.stopTyping();
          }}
        />
        <button type="submit" data-testid="chat-send">
          Send
        </button>
      </form>
    </section>
  );
}
