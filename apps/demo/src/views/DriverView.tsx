import type { EventData } from '@dabba/protocol';
import { useEvent, useToast } from '@dabba/react';
import { useEffect, useState, type ReactNode } from 'react';
import { OrderChat } from '../components/OrderChat.js';
import { isActive, OrderCard } from '../components/OrderCard.js';
import { useOrderAction, useOrders } from '../components/use-orders.js';
import { loadDemo, type Demo, type GeoPoint, type OrderSummary } from '../demo-api.js';
import { MapView } from '../map/MapView.js';
import { useReloadOnReconnect } from './KitchenView.js';
import { useRide, type LocationSource } from './use-ride.js';

type Assignment = EventData<'driver:new_assignment'>;

/** Statuses in which the driver heads to the kitchen; after pickup they head to the customer. */
const TO_KITCHEN = new Set(['accepted', 'preparing', 'ready_for_pickup', 'assigned_to_driver']);
const SPEEDS_KMH = [40, 90, 150];

/** The driver: assignment alerts, picked up / in transit / delivered, and a position from a simulated ride or GPS. */
export function DriverView({ demo, token, driverId }: { demo: Demo; token: string; driverId: string }): ReactNode {
  // The ride starts where the driver last reported (fresh from the server): a jump back to the
  // demo's start would be refused as implausibly fast.
  const [start, setStart] = useState<GeoPoint>();
  useEffect(() => {
    loadDemo().then(
      (fresh) => setStart(fresh.users.find((u) => u.id === driverId)?.lastPosition ?? fresh.driverStart),
      () => setStart(demo.driverStart),
    );
  }, [demo, driverId]);
  if (!start) return <p className="muted">Finding where you are…</p>;
  return <DriverScreen demo={demo} token={token} start={start} />;
}

function DriverScreen({ demo, token, start }: { demo: Demo; token: string; start: GeoPoint }): ReactNode {
  const { orders, reload } = useOrders(token);
  const act = useOrderAction(token, reload);
  const toast = useToast();
  const [alert, setAlert] = useState<Assignment>();
  const [source, setSource] = useState<LocationSource>('off');
  const [speedKmh, setSpeedKmh] = useState(90);
  useEvent('driver:new_assignment', (a) => {
    setAlert(a);
    toast.info(`Pick up at ${a.pickup.name}`, { title: `New delivery ${a.orderNumber}` });
    reload();
  });
  useEvent('driver:unassigned', reload);
  useReloadOnReconnect(reload);

  const active = orders?.filter(isActive) ?? [];
  const current = active[0];
  const stops = legFor(current, demo);
  const ride = useRide(source, start, stops, speedKmh);
  const status = (order: OrderSummary, to: string): Promise<void> => {
    setAlert(undefined);
    return act(`/orders/${order.id}/status`, { status: to });
  };

  return (
    <>
      {alert && (
        <div className="alert flash" role="alert" data-testid="assignment-alert">
          <strong>New delivery {alert.orderNumber}</strong> · pick up at {alert.pickup.name}, {alert.pickup.address}
          <button type="button" className="link" onClick={() => setAlert(undefined)}>
            Dismiss
          </button>
        </div>
      )}
      <section className="card">
        <h2>Location</h2>
        <div className="actions">
          <label>
            <input type="radio" name="source" checked={source === 'off'} onChange={() => setSource('off')} /> Off
          </label>
          <label>
            <input
              type="radio"
              name="source"
              data-testid="ride-route"
              checked={source === 'route'}
              onChange={() => setSource('route')}
            />{' '}
            Ride the demo route
          </label>
          <label>
            <input
              type="radio"
              name="source"
              data-testid="use-gps"
              checked={source === 'gps'}
              onChange={() => setSource('gps')}
            />{' '}
            This device&apos;s GPS
          </label>
          <select
            aria-label="Speed"
            data-testid="speed"
            value={speedKmh}
            onChange={(e) => setSpeedKmh(Number(e.target.value))}
          >
            {SPEEDS_KMH.map((s) => (
              <option key={s} value={s}>
                {s} km/h
              </option>
            ))}
          </select>
        </div>
        <p className="muted" data-testid="driver-position" data-report={ride.lastReport}>
          {ride.position.latitude.toFixed(5)}, {ride.position.longitude.toFixed(5)} · {ride.lastReport}
        </p>
      </section>
      <section className="card map-card">
        <MapView
          kitchen={demo.kitchen}
          dropoff={demo.dropoff}
          via={demo.via}
          driver={ride.position}
          extra={[demo.driverStart]}
        />
      </section>
      {orders && active.length === 0 && <p className="muted card">No deliveries. Assignments appear here.</p>}
      <ul className="orders">
        {active.map((order) => (
          <OrderCard key={order.id} order={order} onChange={reload}>
            {TO_KITCHEN.has(order.status) && order.status !== 'assigned_to_driver' && (
              <span className="muted">Waiting for the kitchen…</span>
            )}
            {order.status === 'assigned_to_driver' && (
              <button
                type="button"
                className="primary"
                data-testid={`picked-up-${order.id}`}
                onClick={() => void status(order, 'picked_up')}
              >
                Picked up
              </button>
            )}
            {order.status === 'picked_up' && (
              <button
                type="button"
                className="primary"
                data-testid={`in-transit-${order.id}`}
                onClick={() => void status(order, 'in_transit')}
              >
                On the way
              </button>
            )}
            {order.status === 'in_transit' && (
              <button
                type="button"
                className="primary"
                data-testid={`delivered-${order.id}`}
                onClick={() => void status(order, 'delivered')}
              >
                Delivered
              </button>
            )}
            <OrderChat token={token} orderId={order.id} topic="driver" />
          </OrderCard>
        ))}
      </ul>
    </>
  );
}

/** Where the ride goes next: to the kitchen before pickup, then by the demo route to the customer. */
function legFor(order: OrderSummary | undefined, demo: Demo): readonly GeoPoint[] {
  if (!order) return [];
  if (TO_KITCHEN.has(order.status)) return [demo.kitchen];
  return [...demo.via, demo.dropoff];
}
