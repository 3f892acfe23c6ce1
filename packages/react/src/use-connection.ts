import type { ConnectionState, OrderTrackingState } from '@dabba/client';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { useDabbaClient } from './provider.js';

/** The connection's state, re-rendering on every change (status, attempt number, …). */
export function useConnectionState(): ConnectionState {
  const client = useDabbaClient();
  return useSyncExternalStore(
    (listener) => client.onState(listener),
    () => client.state,
    () => client.state,
  );
}

/**
 * A live view of one order (`client.trackOrder`): status, history, driver, ETA, phase. Undefined
 * before the first render's effect and when `orderId` is undefined. The tracker is closed (its
 * channels left) when the component unmounts or `orderId` changes.
 */
export function useOrderTracking(orderId: string | undefined): OrderTrackingState | undefined {
  const client = useDabbaClient();
  const [state, setState] = useState<OrderTrackingState | undefined>(undefined);
  useEffect(() => {
    if (!orderId) {
      setState(undefined);
      return;
    }
    const tracker = client.trackOrder(orderId);
    setState(tracker.getState());
    const stop = tracker.subscribe(setState);
    return () => {
      stop();
      tracker.close();
    };
  }, [client, orderId]);
  return state?.orderId === orderId ? state : undefined;
}
