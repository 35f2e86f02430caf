import type { RequestScope } from "../common/request-scope.js";
import type { CircuitBreaker } from "./breaker.js";
import { UpstreamError } from "./errors.js";
import type { KeyGate } from "./key-gate.js";

/** One upstream call as seen by metrics and logs (route pattern, never ids or keys). */
export interface UpstreamCallEvent {
  route: string;
  outcome: "ok" | UpstreamError["kind"];
  status?: number | undefined;
  ms: number;
}

export interface GuardOptions {
  breaker: CircuitBreaker;
  keyGate: KeyGate;
  /** a stable, non-secret id of a key (its owner hash), for the per-key lanes */
  keyIdOf: (key: string) => string;
  onCall?: (event: UpstreamCallEvent) => void;
}

/**
 * Who goes first with a key's upstream budget: writes (purchases, cancels, completes, resends) pass
 * the calls queued in the key's lane and wait out a 429's back-off; reads are refused during a
 * back-off; the tracker's refreshes (background) are refused too and back off on their own.
 */
export type CallPriority = "write" | "read" | "background";

export interface GuardedCall {
  /** the route pattern, e.g. `"GET /activations/:id"` */
  route: string;
  /** the api key it is made with; undefined for the public catalogue */
  key?: string | undefined;
  /** `"read"` unless said */
  priority?: CallPriority | undefined;
  /** How long a write may wait out the key's 429 back-off before it is sent once (its own deadline). */
  maxWaitMs?: number | undefined;
  /**
   * Made even while the breaker is open (it still counts toward it): the calls that save money, a
   * reconciliation's listing after a lost purchase and a cancel that returns the charge.
   */
  essential?: boolean;
}

/** What a call returned, with the HTTP status it came with. */
export interface Answered<T> {
  status: number;
  value: T;
}

/**
 * Everything around one upstream call except the HTTP itself: the circuit breaker (fail fast, count
 * outages), the per-key lanes (bounded concurrency, waiting out a 429's Retry-After), and the call's
 * record for metrics and for the request that made it.
 */
export class CallGuard {
  constructor(private readonly opts: GuardOptions) {}

  async run<T>(
    call: GuardedCall,
    scope: RequestScope | undefined,
    send: () => Promise<Answered<T>>,
  ): Promise<T> {
    const { breaker } = this.opts;
    // Failing fast sends nothing: never ambiguous, not an upstream call.
    if (!call.essential && !breaker.tryAcquire()) {
      if (scope) scope.refused = "breaker open";
      throw new UpstreamError("unavailable", `circuit open: ${breaker.lastError ?? "upstream failing"}`, {
        breakerOpen: true,
      });
    }
    const keyId = call.key === undefined ? undefined : this.opts.keyIdOf(call.key);
    let release: (() => void) | undefined;
    try {
      if (keyId !== undefined) release = await this.enterKeyLane(keyId, call);
    } catch (err) {
      if (!call.essential) breaker.recordNeutral();
      if (scope) scope.refused = "rate limited";
      throw err;
    }
    const started = performance.now();
    let outcome: UpstreamCallEvent["outcome"] = "ok";
    let status: number | undefined;
    try {
      const answer = await send();
      status = answer.status;
      return answer.value;
    } catch (err) {
      const failure =
        err instanceof UpstreamError
          ? err
          : new UpstreamError("unavailable", String(err), { ambiguous: true });
      outcome = failure.kind;
      status = failure.detail.status;
      if (failure.kind === "rate_limited" && keyId !== undefined) {
        this.opts.keyGate.block(keyId, failure.detail.retryAfterS ?? 1);
      }
      throw failure;
    } finally {
      release?.();
      if (outcome === "ok") breaker.recordSuccess();
      else if (outcome === "timeout" || outcome === "unavailable")
        breaker.recordOutage(`${call.route}: ${outcome}`);
      else if (!call.essential) breaker.recordNeutral(true);
      else breaker.markAnswered();
      const event = { route: call.route, outcome, status, ms: performance.now() - started };
      scope?.calls.push(event);
      this.opts.onCall?.(event);
    }
  }

  /**
   * Waits for a per-key slot. During a 429 back-off a write waits it out, or its `maxWaitMs` if that
   * is shorter, and is then sent once, whatever a later 429 of another call says; anything else is
   * refused at once. A full queue refuses too.
   */
  private async enterKeyLane(keyId: string, call: GuardedCall): Promise<() => void> {
    const { keyGate } = this.opts;
    const write = call.priority === "write";
    const waitMs = keyGate.blockedFor(keyId);
    if (waitMs > 0) {
      if (!write) {
        throw new UpstreamError("rate_limited", "waiting out the upstream's Retry-After", {
          retryAfterS: Math.ceil(waitMs / 1000),
        });
      }
      const waited = Math.min(waitMs, call.maxWaitMs ?? 0);
      await new Promise((resolve) => setTimeout(resolve, waited));
    }
    const release = await keyGate.acquire(keyId, write);
    if (!release) throw new UpstreamError("rate_limited", "too many concurrent upstream calls for this key");
    return release;
  }
}
