import { describe, expect, it } from 'vitest';
import type { EventData, TrackingSnapshot } from '@dabba/protocol';
import {
  applyTrackedEvent,
  fromSnapshot,
  initialTrackingState,
  type TrackedEvent,
} from '../src/tracking/tracking-state.js';

const snapshot: TrackingSnapshot = {
  orderId: 'o1',
  orderNumber: 'D-1',
  status: 'picked_up',
  customerName: 'Asha',
  deliveryAddress: '5 Hill Road',
  deliveryLatitude: 19.05,
  deliveryLongitude: 72.84,
  chefName: 'Ravi',
  chefBusinessName: 'Kitchen',
  chefAddress: '12 Carter Road',
  chefLatitude: 19.06,
  chefLongitude: 72.83,
  driverAssigned: true,
  driverName: 'Meera',
  driverLatitude: 19.055,
  driverLongitude: 72.835,
  lastLocationUpdate: '2026-11-24T10:05:00.000Z',
  statusHistory: [
    { status: 'pending', timestamp: '2026-11-24T10:00:00.000Z' },
    { status: 'assigned_to_driver', timestamp: '2026-11-24T10:03:00.000Z' },
    { status: 'picked_up', timestamp: '2026-11-24T10:04:00.000Z', changedBy: 'drv-1' },
  ],
  createdAt: '2026-11-24T10:00:00.000Z',
  assignedAt: '2026-11-24T10:03:00.000Z',
};

const status = (s: EventData<'order:status_update'>['status'], at: string): TrackedEvent => ({
  type: 'order:status_update',
  data: {
    orderId: 'o1',
    orderNumber: 'D-1',
    status: s,
    previousStatus: null,
    actor: { id: 'drv-1', role: 'driver' },
    at,
    timestamps: { createdAt: '2026-11-24T10:00:00.000Z' },
    driverId: 'drv-1',
  },
});

const fix = (latitude: number, timestamp: string): TrackedEvent => ({
  type: 'driver:location_update',
  data: { orderId: 'o1', driverId: 'drv-1', latitude, longitude: 72.8, timestamp },
});

describe('tracking state rules', () => {
  const base = fromSnapshot(initialTrackingState('o1'), snapshot);

  it('skips a status the history already has, applies a new one once', () => {
    expect(applyTrackedEvent(base, status('picked_up', '2026-11-24T10:04:00.000Z'))).toBe(base);
    const inTransit = applyTrackedEvent(base, status('in_transit', '2026-11-24T10:06:00.000Z'));
    expect(inTransit.status).toBe('in_transit');
    expect(applyTrackedEvent(inTransit, status('in_transit', '2026-11-24T10:06:00.000Z'))).toBe(inTransit);
    expect(inTransit.history.map((h) => h.status)).toEqual([
      'pending',
      'assigned_to_driver',
      'picked_up',
      'in_transit',
    ]);
  });

  it('keeps the newest driver position, whatever order fixes arrive in', () => {
    const older = applyTrackedEvent(base, fix(19.0, '2026-11-24T10:04:30.000Z'));
    expect(older).toBe(base);
    const newer = applyTrackedEvent(base, fix(19.1, '2026-11-24T10:06:00.000Z'));
    expect(newer.driver?.position).toMatchObject({ latitude: 19.1, at: '2026-11-24T10:06:00.000Z' });
    expect(newer.driver).toMatchObject({ name: 'Meera', id: 'drv-1' });
    // A later snapshot with an older stored position does not move the driver back.
    const refetched = fromSnapshot(newer, snapshot);
    expect(refetched.driver?.position?.latitude).toBe(19.1);
    expect(refetched.snapshots).toBe(2);
  });

  it('ignores events of other orders and an assignment older than the one shown', () => {
    expect(
      applyTrackedEvent(base, {
        ...fix(1, '2026-11-24T11:00:00.000Z'),
        data: { ...fix(1, '2026-11-24T11:00:00.000Z').data, orderId: 'o2' },
      } as TrackedEvent),
    ).toBe(base);
    const stale: TrackedEvent = {
      type: 'order:driver_assigned',
      data: { orderId: 'o1', driverId: 'drv-2', driverName: 'Tom', assignedAt: '2026-11-24T10:01:00.000Z' },
    };
    expect(applyTrackedEvent(base, stale)).toBe(base);
    const reassigned = applyTrackedEvent(base, {
      ...stale,
      data: { ...stale.data, assignedAt: '2026-11-24T10:07:00.000Z' },
    } as TrackedEvent);
    expect(reassigned.driver).toEqual({
      id: 'drv-2',
      name: 'Tom',
      assignedAt: '2026-11-24T10:07:00.000Z',
      phone: undefined,
      position: undefined,
    });
  });
});
