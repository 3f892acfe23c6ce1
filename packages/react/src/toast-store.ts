export type ToastType = 'success' | 'error' | 'warning' | 'info';

export interface ToastAction {
  label: string;
  onPress: () => void;
  /** Close the toast after the action. Default true. */
  dismiss?: boolean;
}

export interface ToastInput {
  message: string;
  title?: string;
  /** Default `info`. */
  type?: ToastType;
  /**
   * Auto-dismiss after this many ms. Default 4000, or sticky (null) when the toast has actions:
   * seed 004's "auto-dismiss or persistent with actions". `null` or `0`: sticky.
   */
  durationMs?: number | null;
  actions?: readonly ToastAction[];
  /** Give one to replace a toast showing the same id instead of stacking another. */
  id?: string;
}

export interface Toast {
  readonly id: string;
  readonly message: string;
  readonly title: string | undefined;
  readonly type: ToastType;
  /** null: stays until dismissed. */
  readonly durationMs: number | null;
  readonly actions: readonly ToastAction[];
  readonly createdAt: number;
}

export const DEFAULT_TOAST_DURATION_MS = 4000;
/** Most toasts shown at once; the oldest goes first. */
export const DEFAULT_MAX_TOASTS = 5;

/** The toasts shown now, with their timers. One per `ToastProvider` (or the default one). */
export class ToastStore {
  private toasts: readonly Toast[] = [];
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly listeners = new Set<() => void>();
  private counter = 0;

  constructor(private readonly maxToasts = DEFAULT_MAX_TOASTS) {}

  /** Shows a toast; returns its id. */
  show(input: ToastInput): string {
    const id = input.id ?? `toast-${++this.counter}`;
    const actions = input.actions ?? [];
    const given = input.durationMs;
    const durationMs =
      given === undefined ? (actions.length > 0 ? null : DEFAULT_TOAST_DURATION_MS) : given === 0 ? null : given;
    const toast: Toast = {
      id,
      message: input.message,
      title: input.title,
      type: input.type ?? 'info',
      durationMs,
      actions,
      createdAt: Date.now(),
    };
    this.clearTimer(id);
    let next = [...this.toasts.filter((t) => t.id !== id), toast];
    while (next.length > this.maxToasts) {
      const oldest = next[0];
      if (oldest) this.clearTimer(oldest.id);
      next = next.slice(1);
    }
    if (durationMs !== null)
      this.timers.set(
        id,
        setTimeout(() => this.dismiss(id), durationMs),
      );
    this.set(next);
    return id;
  }

  dismiss(id: string): void {
    this.clearTimer(id);
    if (!this.toasts.some((t) => t.id === id)) return;
    this.set(this.toasts.filter((t) => t.id !== id));
  }

  clear(): void {
    for (const id of [...this.timers.keys()]) this.clearTimer(id);
    this.set([]);
  }

  getSnapshot = (): readonly Toast[] => this.toasts;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  private clearTimer(id: string): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
  }

  private set(next: readonly Toast[]): void {
    this.toasts = next;
    for (const listener of [...this.listeners]) listener();
  }
}
