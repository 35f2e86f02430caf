import { LRUCache } from "lru-cache";

/**
 * What concurrent purchases of this process must know of each other. A reconciliation waits for the
 * other purchases in flight for the same owner + service + country to settle first, so it cannot
 * claim an activation that a concurrent, successful purchase is about to hand out. And timestamps
 * have one-second resolution, so a reconciliation can still take a concurrent purchase's
 * activation: that purchase then looks for the reconciler's own activation, which lies in the
 * reconciler's window (remembered here, by the activation it took).
 */
export class PurchaseCoordinator {
  private readonly inFlight = new Map<string, Set<Promise<unknown>>>();
  private readonly claimedBy = new LRUCache<string, number>({ max: 10_000, ttl: 10 * 60_000 });

  track<T>(slot: string, work: Promise<T>): Promise<T> {
    const set = this.inFlight.get(slot) ?? new Set();
    this.inFlight.set(slot, set);
    set.add(work);
    const done = () => {
      set.delete(work);
      if (set.size === 0) this.inFlight.delete(slot);
    };
    work.then(done, done);
    return work;
  }

  othersInFlight(slot: string, self: Promise<unknown>): Promise<unknown>[] {
    return [...(this.inFlight.get(slot) ?? [])].filter((p) => p !== self);
  }

  /** A reconciliation whose window starts at `since` took this activation. */
  tookFor(activationId: string, since: number): void {
    this.claimedBy.set(activationId, since);
  }

  /** The window start of the reconciliation that took this activation, if one did. */
  windowOfTaker(activationId: string): number | undefined {
    return this.claimedBy.get(activationId);
  }
}
