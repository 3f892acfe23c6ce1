import type { EventData } from '@dabba/protocol';
import { useEvent, useOrderTracking, useToast } from '@dabba/react';
import { useState, type ReactNode } from 'react';
import { ChatPanel } from '../components/ChatPanel.js';
import { useOrderConversation } from '../components/OrderChat.js';
import { Timeline } from '../components/Timeline.js';
import { api, STATUS_LABELS, type Demo } from '../demo-api.js';
import { MapView } from '../map/MapView.js';

type Notification = EventData<'notification'>;
type ChatTab = 'kitchen' | 'driver' | 'support';

const TERMINAL: ReadonlySet<string> = new Set(['delivered', 'cancelled', 'rejected', 'payment_failed']);

function etaText(status: string | undefined, minutes: number | undefined): string {
  if (status && TERMINAL.has(status)) return STATUS_LABELS[status] ?? status;
  if (minutes !== undefined) return `Arrives in about ${minutes} min`;
  return 'ETA once a driver is on the way';
}

/** The live tracking screen: status timeline, ETA, the map with the driver, notifications and chats. */
export function OrderTracking(props: { demo: Demo; token: string; orderId: string; onBack: () => void }): ReactNode {
  const { demo, token, orderId } = props;
  const tracking = useOrderTracking(orderId);
  const toast = useToast();
  const [notifications, setNotifications] = useState<Notification[]>([]);
  useEvent('notification', (n) => {
    setNotifications((list) => [n, ...list].slice(0, 20));
    if (n.data.orderId === orderId || n.type !== 'chat_message') toast.info(n.body, { title: n.title });
  });

  const snapshot = tracking?.snapshot;
  const kitchen = snapshot ? { latitude: snapshot.chefLatitude, longitude: snapshot.chefLongitude } : demo.kitchen;
  const dropoff = snapshot
    ? { latitude: snapshot.deliveryLatitude, longitude: snapshot.deliveryLongitude }
    : demo.dropoff;
  const position = tracking?.driver?.position;
  const status = tracking?.status;
  const finished = status !== undefined && TERMINAL.has(status);

  return (
    <>
      <section className="card">
        <button type="button" className="link" onClick={props.onBack}>
          ← Menu
        </button>
        <h2>
          Order {snapshot?.orderNumber ?? '…'}{' '}
          <span className="status-pill" data-testid="order-status" data-status={status ?? ''}>
            {status ? status.replaceAll('_', ' ') : 'loading'}
          </span>
        </h2>
        <p className="eta" data-testid="eta" data-minutes={finished ? '' : (tracking?.eta?.minutes ?? '')}>
          {etaText(status, finished ? undefined : tracking?.eta?.minutes)}
        </p>
        {tracking?.driver?.name && <p className="muted">Your driver: {tracking.driver.name}</p>}
        {tracking?.phase === 'error' && <p className="error">Could not load the order: {tracking.error?.message}</p>}
      </section>
      <section className="card map-card">
        <MapView kitchen={kitchen} dropoff={dropoff} via={demo.via} driver={position} extra={[demo.driverStart]} />
      </section>
      <section className="card">
        <h3>Progress</h3>
        <Timeline status={status} history={tracking?.history ?? []} />
      </section>
      <OrderChats token={token} orderId={orderId} orderNumber={snapshot?.orderNumber} />
      <section className="card">
        <h3>Notifications</h3>
        {notifications.length === 0 && <p className="muted">None yet.</p>}
        <ul className="rows" data-testid="notifications">
          {notifications.map((n) => (
            <li key={n.id}>
              <strong>{n.title}</strong> {n.body}
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

/** Chat with the kitchen and the driver (opened by the order), or with support (opened on request). */
function OrderChats({
  token,
  orderId,
  orderNumber,
}: {
  token: string;
  orderId: string;
  orderNumber: string | undefined;
}): ReactNode {
  const chats = {
    driver: useOrderConversation(token, orderId, 'driver'),
    kitchen: useOrderConversation(token, orderId, 'kitchen'),
  };
  const [supportId, setSupportId] = useState<string>();
  const [tab, setTab] = useState<ChatTab>('driver');
  const toast = useToast();
  const contactSupport = async (): Promise<void> => {
    try {
      const opened = await api<{ id: string }>(token, 'POST', '/support/conversations', {
        subject: `Help with order ${orderNumber ?? orderId}`,
      });
      setSupportId(opened.id);
    } catch (error) {
      toast.error((error as Error).message);
    }
  };
  const open = tab === 'support' ? supportId : chats[tab];

  return (
    <section className="card">
      <div className="tabs" role="tablist">
        {(['driver', 'kitchen', 'support'] as const).map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={tab === t}
            data-testid={`chat-tab-${t}`}
            onClick={() => setTab(t)}
          >
            {t === 'driver' ? 'Driver' : t === 'kitchen' ? 'Kitchen' : 'Support'}
          </button>
        ))}
      </div>
      {open ? (
        <ChatPanel key={open} conversationId={open} title={`Chat with ${tab}`} />
      ) : tab === 'support' ? (
        <button type="button" data-testid="contact-support" onClick={() => void contactSupport()}>
          Contact support
        </button>
      ) : (
        <p className="muted">
          {tab === 'driver' ? 'Opens once a driver is assigned.' : 'Opens once the kitchen accepts the order.'}
        </p>
      )}
    </section>
  );
}
