/**
 * A circuit breaker for one upstream. Only outages count (timeouts, connection failures, 5xx that
 * are not stock answers): a 401, 404, 409, 429 or a JSON 503 stockout is the upstream working.
 * After `threshold` outages in a row it opens and fails fast for `cooldownMs`; then one probe is let
 * through (half-open): success closes it, failure opens it again.
 */
export type BreakerState = "closed" | "open" | "half-open";

export interface BreakerOptions {
  threshold: number;
  cooldownMs: number;
  now?: () => number;
  onChange?: (state: BreakerState) => void;
}

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private current: BreakerState = "closed";
  lastError: string | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: BreakerOptions) {
    this.now = opts.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.current === "open" && this.now() - this.openedAt >= this.opts.cooldownMs) this.set("half-open");
    return this.current;
  }

  /** May a call go out now? In half-open state only one probe at a time. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === "closed") return true;
    if (state === "open" || this.probing) return false;
    this.probing = true;
    return true;
  }

  recordSuccess(): void {
    this.failures = 0;
    this.probing = false;
    if (this.current !== "closed") this.set("closed");
  }

  recordOutage(message: string): void {
    this.lastError = message;
    this.probing = false;
    this.failures += 1;
    if (this.current === "half-open" || this.failures >= this.opts.threshold) {
      this.openedAt = this.now();
      this.set("open");
    }
  }

  /** A call that ended without telling anything about the upstream's health (e.g. a 4xx). */
  recordNeutral(): void {
    this.probing = false;
    if (this.current === "half-open") this.recordSuccess();
  }

  private set(state: BreakerState): void {
    this.current = state;
    this.opts.onChange?.(state);
  }
}
