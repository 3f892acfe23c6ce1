/** setTimeout's largest delay, ms; a later expiry re-arms on the way. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Watches a token's expiry for a face that ends the connection then (the client reconnects with
 * a fresh token). `cancel()` when the connection ends first.
 */
export class TokenExpiry {
  private timer: NodeJS.Timeout | undefined;

  /** Calls `onExpired` once `exp` (seconds since the epoch) has passed; never for a token without one. */
  constructor(
    exp: number | undefined,
    private readonly onExpired: () => void,
  ) {
    if (exp !== undefined) this.arm(exp * 1000);
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(atMs: number): void {
    const remainingMs = atMs - Date.now();
    this.timer = setTimeout(
      () => (atMs > Date.now() ? this.arm(atMs) : this.onExpired()),
      Math.max(0, Math.min(remainingMs, MAX_TIMER_MS)),
    );
    this.timer.unref();
  }
}
