import { randomBytes } from "node:crypto";
import { LRUCache } from "lru-cache";

/**
 * What concurrent purchases of this process must know of each other, and what the orphan settler
 * must know of them:
 * - A reconciliation waits for the other purchases in flight for the same owner + service + country
 *   to settle first, so it cannot claim an activation that a concurrent, successful purchase is
 *   about to hand out.
 * - Timestamps have one-second resolution, so a reconciliation can still take a concurrent
 *   purchase's activation: that purchase then looks for the reconciler's own activation, which lies
 *   in the reconciler's window (remembered here, by the activation it took).
 * - The intents of purchases still in flight are not orphans; an intent a purchase leaves open when
 *   it ends is one, and the settler is told at once.
 */
export class PurchaseCoordinator {
  /** this process, as recorded in its intents (its heartbeat tells other replicas it is alive) */
  readonly instance: string;
  /** purchases in flight by slot, each with the earliest upstream `createdAt` its activation can have */
  private readonly inFlight = new Map<string, Map<Promise<unknown>, number>>();
  /**
   * Intents the settler must close: "left open" (a purchase of this process ended with it open) or
   * "delivered" (its answer reached the client but its close failed: nothing to refund).
   */
  private readonly endedOpen = new LRUCache<string, "left open" | "delivered">({ max: 100_000 });
  private readonly claimedBy = new LRUCache<string, number>({ max: 10_000, ttl: 10 * 60_000 });
  private leftOpen: () => void = () => undefined;

  constructor(instance = randomBytes(6).toString("hex")) {
    this.instance = instance;
  }

  /** Called when a purchase ends with its intent still open (the settler's nudge). */
  onIntentLeftOpen(listener: () => void): void {
    this.leftOpen = listener;
  }

  /** A purchase of this process ended; `stillOpen`: with its intent open (the settler's now). */
  intentEnded(intentId: string, { stillOpen }: { stillOpen: boolean }): void {
    if (!stillOpen) return;
    this.endedOpen.set(intentId, "left open");
    this.leftOpen();
  }

  /**
   * Did a purchase of this process end and leave this intent open? Only then is one of this
   * process's intents an orphan: an intent a sweep read as open may have been closed since (its
   * purchase answered meanwhile), and is then neither in flight nor left open.
   */
  wasLeftOpen(intentId: string): boolean {
    return this.endedOpen.get(intentId) === "left open";
  }

  /**
   * The intent's answer reached its client but the intent could not be closed (the store failed):
   * the settler closes it, and must not refund what the client holds.
   */
  intentDelivered(intentId: string): void {
    this.endedOpen.set(intentId, "delivered");
    this.leftOpen();
  }

  wasDelivered(intentId: string): boolean {
    return this.endedOpen.get(intentId) === "delivered";
  }

  /** The settler closed it. */
  settled(intentId: string): void {
    this.endedOpen.delete(intentId);
  }

  /**
   * A purchase in `slot`, sent at a moment when the upstream's clock read no earlier than
   * `earliestCreatedAt` (allowing for the clock's resolution), until `work` settles.
   */
  track<T>(slot: string, earliestCreatedAt: number, work: Promise<T>): Promise<T> {
    const running = this.inFlight.get(slot) ?? new Map<Promise<unknown>, number>();
    this.inFlight.set(slot, running);
    running.set(work, earliestCreatedAt);
    const done = () => {
      running.delete(work);
      if (running.size === 0) this.inFlight.delete(slot);
    };
    work.then(done, done);
    return work;
  }

  othersInFlight(slot: string, self?: Promise<unknown>): Promise<unknown>[] {
    return [...(this.inFlight.get(slot)?.keys() ?? [])].filter((p) => p !== self);
  }

  /** Could an activation created at upstream time `createdAt` be the answer of a purchase in flight here? */
  mayBeInFlight(slot: string, createdAt: number): boolean {
    for (const earliest of this.inFlight.get(slot)?.values() ?? []) if (earliest <= createdAt) return true;
    return false;
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

/** Purchases of one owner, service and country share a slot. */
export const purchaseSlot = (owner: string, serviceCode: string, countryIso: string) =>
  `${owner}|${serviceCode}|${countryIso}`;
