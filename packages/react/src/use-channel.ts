import type { AnyEventHandler, DabbaClientError, EventHandler, EventMeta } from '@dabba/client';
import type { EventName } from '@dabba/protocol';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useDabbaClient } from './provider.js';

/** Where a `useChannel` subscription stands. */
export type ChannelStatus =
  | { status: 'subscribing' }
  | { status: 'subscribed' }
  /** The server refused (permission, unknown channel) or ended it. */
  | { status: 'error'; error: DabbaClientError };

/** The latest value of `value`, for handlers that must not resubscribe when they change. */
export function useLatest<T>(value: T): { readonly current: T } {
  const ref = useRef(value);
  useLayoutEffect(() => {
    ref.current = value;
  });
  return ref;
}

/**
 * Follows a channel while mounted and calls `handler(data, meta)` with every publication on it
 * (`meta.type` names the event). The handler may change on every render without resubscribing;
 * the channel is left on unmount, or when `channel` changes (undefined: follow nothing).
 */
export function useChannel(channel: string | undefined, handler?: AnyEventHandler): ChannelStatus {
  const client = useDabbaClient();
  const latest = useLatest(handler);
  const [status, setStatus] = useState<ChannelStatus>({ status: 'subscribing' });
  useEffect(() => {
    if (!channel) return;
    let active = true;
    setStatus({ status: 'subscribing' });
    const sub = client.subscribe(channel);
    sub.onAny((data: unknown, meta: EventMeta) => latest.current?.(data, meta));
    sub.onSubscribed(() => setStatus({ status: 'subscribed' }));
    sub.onError((error) => {
      if (error.code === 'subscribe_failed') setStatus({ status: 'error', error });
    });
    // Another holder may have subscribed already: no `subscribed` event would come then.
    sub.ready().then(
      () => active && setStatus({ status: 'subscribed' }),
      () => undefined,
    );
    return () => {
      active = false;
      sub.unsubscribe();
    };
  }, [client, channel, latest]);
  return status;
}

/**
 * Calls `handler(data, meta)` for every `type` event on any channel the client follows (its own
 * `user:{id}` included), `data` typed from the catalog. Removed on unmount.
 */
export function useEvent<N extends EventName>(type: N, handler: EventHandler<N>): void {
  const client = useDabbaClient();
  const latest = useLatest(handler);
  useEffect(() => client.on(type, (data, meta) => latest.current(data, meta)), [client, type, latest]);
}
