/**
 * Where the outbox persists: the shape `localStorage` and React Native's AsyncStorage share.
 * Methods may return values (web storage) or promises (AsyncStorage).
 */
export interface OutboxStorage {
  getItem(key: string): string | null | Promise<string | null>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem(key: string): void | Promise<void>;
}

/** Keeps the outbox in memory only (the default): it survives reconnects, not restarts. */
export function memoryStorage(): OutboxStorage & { readonly items: ReadonlyMap<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

/** The browser's `localStorage` (or `sessionStorage`, or any Web Storage). */
export function webStorage(
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> = globalThis.localStorage,
): OutboxStorage {
  if (!storage) throw new TypeError('webStorage: no Web Storage here (pass one, or use memoryStorage())');
  return {
    getItem: (key) => storage.getItem(key),
    setItem: (key, value) => storage.setItem(key, value),
    removeItem: (key) => storage.removeItem(key),
  };
}

/** The async interface of React Native's `@react-native-async-storage/async-storage`. */
export interface AsyncStorageLike {
  getItem(key: string): Promise<string | null>;
  setItem(key: string, value: string): Promise<void>;
  removeItem(key: string): Promise<void>;
}

/** React Native: `asyncStorage(AsyncStorage)`. */
export function asyncStorage(storage: AsyncStorageLike): OutboxStorage {
  return {
    getItem: (key) => storage.getItem(key),
    setItem: (key, value) => storage.setItem(key, value),
    removeItem: (key) => storage.removeItem(key),
  };
}
