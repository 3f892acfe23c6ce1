import { createClient, type ClientOptions, type DabbaClient } from '@dabba/client';
import {
  createContext,
  useContext,
  useEffect,
  useLayoutEffect,
  useMemo,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from 'react';
import { createRest, type RestClient } from './rest.js';
import { Session } from './session.js';

/** What the hooks below a provider share. */
export interface DabbaContextValue {
  readonly client: DabbaClient;
  readonly session: Session;
  /** REST as the signed-in user; undefined when the provider was given a client (hooks use rpc then). */
  readonly rest: RestClient | undefined;
}

const DabbaContext = createContext<DabbaContextValue | null>(null);

export type DabbaProviderProps = {
  /** The signed-in user's id. Default: the `sub` of the token. */
  userId?: string;
  children?: ReactNode;
} & (
  | {
      /**
       * Options of a client the provider creates, connects on mount and closes on unmount. Read
       * once: give the provider a new `key` to start over with other options (a new `token`
       * alone is passed on with `updateToken`).
       */
      options: ClientOptions;
      client?: undefined;
    }
  | {
      /** A client the app made and owns: the provider neither connects nor closes it. */
      client: DabbaClient;
      options?: undefined;
    }
);

interface Owned {
  readonly value: DabbaContextValue;
  /** A close scheduled by an unmount that may turn out to be StrictMode's rehearsal. */
  pendingClose: ReturnType<typeof setTimeout> | undefined;
  closed: boolean;
}

function createOwned(options: ClientOptions, userId: string | undefined): Owned {
  const session = new Session(options.token, userId, options.getToken);
  // Nothing happens at creation (no socket, no listeners): React may create and drop one in
  // StrictMode's double render. The effect connects it.
  const client = createClient({ ...session.wrap(options), autoConnect: false, lifecycleTarget: null });
  return {
    value: { client, session, rest: createRest(options.url, session, options.fetch) },
    pendingClose: undefined,
    closed: false,
  };
}

/**
 * Gives the hooks below it one Dabba connection. With `options` the provider owns the client:
 * it connects once mounted and closes once unmounted. StrictMode's mount → unmount → mount
 * rehearsal does not open a second socket: the unmount only schedules the close, and the
 * remount, which follows at once, cancels it (the pattern partysocket's `useSocket` uses to keep
 * one socket, here with a deferred close instead of a reconnect).
 */
export function DabbaProvider(props: DabbaProviderProps): ReactNode {
  const { options, client: given, userId, children } = props;
  const [owned, setOwned] = useState<Owned | undefined>(() => (options ? createOwned(options, userId) : undefined));
  const borrowed = useMemo<DabbaContextValue | undefined>(
    () => (given ? { client: given, session: new Session(undefined, userId, undefined), rest: undefined } : undefined),
    [given, userId],
  );

  // A layout effect: the client is connecting before the first paint, so a banner never shows
  // the "not connected yet" state in between.
  useLayoutEffect(() => {
    if (!owned || !options) return;
    if (owned.closed) {
      // Unmounted for real earlier (e.g. hidden by <Activity>) and shown again: a fresh client.
      setOwned(createOwned(options, userId));
      return;
    }
    clearTimeout(owned.pendingClose);
    owned.pendingClose = undefined;
    const { client } = owned.value;
    if (options.autoConnect ?? true) client.connect();
    const stopWatching = options.lifecycleTarget === null ? () => undefined : watchLifecycle(client);
    return () => {
      stopWatching();
      owned.pendingClose = setTimeout(() => {
        owned.closed = true;
        client.close();
      }, 0);
    };
    // The client is made once per provider (see `options`); only a new `owned` restarts this.
  }, [owned]);

  const token = options?.token;
  useEffect(() => {
    if (!owned || token === undefined || token === owned.value.session.token) return;
    owned.value.session.setToken(token);
    owned.value.client.updateToken(token);
  }, [owned, token]);

  const value = owned?.value ?? borrowed;
  if (!value) throw new TypeError('DabbaProvider: give `options` or `client`');
  return <DabbaContext.Provider value={value}>{children}</DabbaContext.Provider>;
}

/** Reconnects at once when the page becomes visible again or the device comes back online. */
function watchLifecycle(client: DabbaClient): () => void {
  const win = typeof window === 'undefined' ? undefined : window;
  const doc = typeof document === 'undefined' ? undefined : document;
  const onVisible = (): void => {
    if (doc?.visibilityState === 'visible') client.reconnectNow();
  };
  const onOnline = (): void => {
    if (client.state.status === 'failed' || client.state.status === 'reconnecting') client.reconnectNow();
  };
  doc?.addEventListener('visibilitychange', onVisible);
  win?.addEventListener('online', onOnline);
  return () => {
    doc?.removeEventListener('visibilitychange', onVisible);
    win?.removeEventListener('online', onOnline);
  };
}

/** The provider's shared value; throws outside a `DabbaProvider`. */
export function useDabbaContext(): DabbaContextValue {
  const value = useContext(DabbaContext);
  if (!value) throw new Error('Dabba hooks must be used inside <DabbaProvider>');
  return value;
}

/** The provider's client (one connection per provider). */
export function useDabbaClient(): DabbaClient {
  return useDabbaContext().client;
}

/** The signed-in user's id: the provider's `userId`, else the token's `sub` (once known). */
export function useDabbaUserId(): string | undefined {
  const { session } = useDabbaContext();
  return useSyncExternalStore(
    (listener) => session.subscribe(listener),
    () => session.userId,
    () => session.userId,
  );
}
