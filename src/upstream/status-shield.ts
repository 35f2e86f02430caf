import { LRUCache } from "lru-cache";
import { UpstreamError } from "./errors.js";
import type { Activation } from "./schemas.js";

/** States that never change: kept until evicted. A mailbox leaves `COMPLETED` by a reorder. */
export const TERMINAL: ReadonlySet<string> = new Set(["COMPLETED", "CANCELLED", "EXPIRED", "REFUNDED"]);
export const MAILBOX_TERMINAL: ReadonlySet<string> = new Set(["CANCELLED", "EXPIRED", "REFUNDED"]);

export interface ShieldEvents {
  onHit?(): void;
  onMiss?(): void;
  onCoalesced?(): void;
  onStaleServed?(): void;
}

/**
 * The polling shield (docs/legacy-protocol.md §6): concurrent reads of one activation by one owner share
 * a single upstream call, and an answer is reused for `ttlMs` (terminal states until evicted).
 * Entries are keyed by owner as well as id, so nothing is ever served to another key.
 * `ttlMs = 0` bypasses the cache entirely (reads still coalesce).
 */
export class StatusShield<A extends { id: string; status: string } = Activation> {
  private readonly cache: LRUCache<string, A> | undefined;
  private readonly inflight = new Map<string, Promise<A>>();

  constructor(
    private readonly read: (key: string, upstreamId: string) => Promise<A>,
    ttlMs: number,
    private readonly events: ShieldEvents = {},
    max = 100_000,
    /** the clock the TTL is measured on (default: `performance`); tests pass a fake one */
    clock?: { now(): number },
    private readonly terminal: ReadonlySet<string> = TERMINAL,
  ) {
    // Stale entries stay (noDeleteOnStaleGet) so they can answer while the upstream refuses.
    this.cache =
      ttlMs > 0
        ? new LRUCache({ max, ttl: ttlMs, noDeleteOnStaleGet: true, ...(clock && { perf: clock }) })
        : undefined;
  }

  /** `read` overrides the constructor's reader for this call (e.g. a request's counting view). */
  async get(
    owner: string,
    key: string,
    upstreamId: string,
    read: (key: string, upstreamId: string) => Promise<A> = this.read,
  ): Promise<A> {
    const slot = `${owner}\u0000${upstreamId}`;
    const cached = this.cache?.get(slot);
    if (cached) {
      this.events.onHit?.();
      return cached;
    }
    const pending = this.inflight.get(slot);
    if (pending) {
      this.events.onCoalesced?.();
      return pending;
    }
    this.events.onMiss?.();
    const call = read(key, upstreamId)
      .then((activation) => {
        this.remember(owner, activation);
        return activation;
      })
      .catch((err: unknown) => {
        const stale = this.cache?.get(slot, { allowStale: true });
        // during a transient failure the last known state beats ERROR_SQL (docs/legacy-protocol.md §6b)
        if (stale && err instanceof UpstreamError && err.transient) {
          this.events.onStaleServed?.();
          return stale;
        }
        throw err;
      })
      .finally(() => this.inflight.delete(slot));
    this.inflight.set(slot, call);
    return call;
  }

  /** Keep what a write (cancel, complete, resend) answered, so the next poll sees it at once. */
  remember(owner: string, activation: A): void {
    if (!this.cache) return;
    const slot = `${owner}\u0000${activation.id}`;
    // ttl 0 = never stale: a terminal state does not change, keep it until evicted.
    this.cache.set(slot, activation, this.terminal.has(activation.status) ? { ttl: 0 } : {});
  }

  forget(owner: string, upstreamId: string): void {
    this.cache?.delete(`${owner}\u0000${upstreamId}`);
  }
}
