/**
 * A circuit breaker for one upstream. Only outages count (timeouts, connection failures, 5xx that
 * are not stock answers): a 401, 404, 409, 429 or a JSON 503 stockout is the upstream working.
 * After `threshold` outages in a row it opens and fails fast for `cooldownMs`; then one probe is let
 * through (half-open): success closes it, failure opens it again.
 *
 * It also keeps the upstream's health for `/readyz`: the last outage and when it happened, and
 * since when the upstream has been answering again (so a past error is not shown as current).
 */
export type BreakerState = "closed" | "open" | "half-open";

export interface UpstreamHealth {
  breaker: BreakerState;
  /** `up`: the last call that told anything was answered; `down`: it was an outage; `unknown`: no call yet */
  state: "up" | "down" | "unknown";
  lastError: string | undefined;
  /** ms since epoch of the last outage */
  lastErrorAt: number | undefined;
  /** ms since epoch of the first answer after the last outage (or the first ever); undefined while down */
  healthySince: number | undefined;
}

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
  private lastErrorAt: number | undefined;
  private healthySince: number | undefined;
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
    this.markAnswered();
    if (this.current !== "closed") this.set("closed");
  }

  recordOutage(message: string): void {
    this.lastError = message;
    this.lastErrorAt = this.now();
    this.healthySince = undefined;
    this.probing = false;
    this.failures += 1;
    if (this.current === "half-open" || this.failures >= this.opts.threshold) {
      this.openedAt = this.now();
      this.set("open");
    }
  }

  /**
   * A call that ended without an outage but without success either: an upstream 4xx, a stockout
   * (`answered`: the upstream is up), or a call refused before it was sent (not answered).
   */
  recordNeutral(answered = false): void {
    this.probing = false;
    if (this.current === "half-open") this.recordSuccess();
    else if (answered) this.markAnswered();
  }

  /** The upstream answered: it is up, since now unless it already was. */
  markAnswered(): void {
    this.healthySince ??= this.now();
  }

  health(): UpstreamHealth {
    const state =
      this.healthySince !== undefined ? "up" : this.lastErrorAt !== undefined ? "down" : "unknown";
    return {
      breaker: this.state,
      state,
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt,
      healthySince: this.healthySince,
    };
  }

  private set(state: BreakerState): void {
    this.current = state;
    this.opts.onChange?.(state);
  }
}
