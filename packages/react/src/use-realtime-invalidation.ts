import type { QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { DEFAULT_INVALIDATION, keysFor, type InvalidationMapping, type QueryKey } from './invalidation.js';
import { useDabbaClient } from './provider.js';
import { useLatest } from './use-channel.js';

export interface RealtimeInvalidationOptions {
  /**
   * Channels to follow while mounted, so their events arrive at all (the client follows its own
   * `user:{id}` already). E.g. `['catalog']` for every store, `['store:42']`, `['order:…']`.
   * Default: none.
   */
  channels?: readonly string[];
  /** Start from no rules instead of {@link DEFAULT_INVALIDATION}. Default false. */
  replaceDefaults?: boolean;
  /** Called with every key invalidated (logging, tests). */
  onInvalidate?: (queryKey: QueryKey, type: string) => void;
}

/**
 * Invalidates React Query keys when events arrive on any channel the client follows. `mapping`
 * is merged over {@link DEFAULT_INVALIDATION} (seed 001's table): add rules for other events,
 * replace one, or set one to `null` to turn it off. Mapping and callbacks may be new objects on
 * every render; only `queryClient` and `channels` changing resubscribe.
 */
export function useRealtimeInvalidation(
  queryClient: QueryClient,
  mapping?: InvalidationMapping,
  options: RealtimeInvalidationOptions = {},
): void {
  const client = useDabbaClient();
  const latest = useLatest({ mapping, options });
  const channelList = (options.channels ?? []).join('\n');
  useEffect(() => {
    const stop = client.onAny((data, meta) => {
      const { mapping: given, options: now } = latest.current;
      const rules: InvalidationMapping = now.replaceDefaults ? { ...given } : { ...DEFAULT_INVALIDATION, ...given };
      for (const queryKey of keysFor(rules, data, meta)) {
        void queryClient.invalidateQueries({ queryKey });
        now.onInvalidate?.(queryKey, meta.type);
      }
    });
    const subs = channelList ? channelList.split('\n').map((channel) => client.subscribe(channel)) : [];
    return () => {
      stop();
      for (const sub of subs) sub.unsubscribe();
    };
  }, [client, queryClient, channelList, latest]);
}
