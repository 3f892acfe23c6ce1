/** Event name → listener arguments. */
export type EventArgs = Record<string, unknown[]>;

/**
 * A tiny typed emitter: listeners run in the order they were added; one that throws does not
 * stop the others (its error goes to `onListenerError`).
 */
export class Emitter<Events extends EventArgs> {
  private readonly listeners = new Map<keyof Events, Set<(...args: unknown[]) => void>>();

  constructor(private readonly onListenerError: (error: unknown) => void = () => undefined) {}

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    // Stored untyped: `emit` passes each listener exactly the arguments its event declares.
    const stored = listener as (...args: unknown[]) => void;
    set.add(stored);
    return () => {
      set.delete(stored);
      if (set.size === 0 && this.listeners.get(event) === set) this.listeners.delete(event);
    };
  }

  emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(...args);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  clear(): void {
    this.listeners.clear();
  }
}
