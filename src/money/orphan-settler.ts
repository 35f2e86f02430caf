import type { Logger } from "pino";
import { toCents } from "../common/money.js";
import type { IdStore, PurchaseIntent } from "../store/id-store.js";
import type { SpendLedger } from "../store/spend-ledger.js";
import { UpstreamError } from "../upstream/errors.js";
import { CLOCK_MARGIN_MS, matchingActivations, purchaseWindowMs } from "./adoption.js";
import type { KeyRing } from "./key-ring.js";
import { type MoneyUpstream, mailboxLine, numberLine, type ProductLine, type Sold } from "./product-line.js";
import { type PurchaseCoordinator, purchaseSlot } from "./purchase-coordinator.js";

/** At most this many pages per owner and sweep: older intents wait for their give-up age. */
const MAX_PAGES = 20;
/** Retries after a sweep that could not settle everything: 1 s, 2 s, 4 s … up to the sweep interval. */
const FIRST_RETRY_MS = 1000;
/**
 * This process's heartbeat, and how long it lasts: a replica that stops beating is taken for dead
 * after this. Generous, because a replica taken for dead while alive has its purchases in flight
 * cancelled (no money lost, but bots get numbers that end at once): a loaded machine can starve a
 * process's timers for seconds.
 */
const HEARTBEAT_MS = 1000;
const HEARTBEAT_TTL_MS = 10 * HEARTBEAT_MS;
const PRUNE_EVERY_MS = 10 * 60_000;
/** After this long an intent of a live replica is settled here too (that replica failed to). */
const LIVE_REPLICA_GRACE_MS = 10 * 60_000;
const ENDED = new Set(["CANCELLED", "EXPIRED", "REFUNDED"]);

export type SettleResult =
  | "cancelled" // claimed and cancelled: the charge is refunded
  | "refunded" // claimed earlier, and the upstream ended it with a refund meanwhile
  | "kept" // a code arrived first: the charge is final, the owner sees it in their listing
  | "nothing" // the purchase created nothing (or is too old to matter)
  | "refused" // the upstream refuses the key (401/403): nothing can be settled with it
  | "pending" // not yet: the cool-down, or the purchase's window is still open
  | "unknown_key" // the owner's key was not seen since this process started
  | "failed" // the upstream failed: retried
  | "delivered"; // its answer had reached the client; only the intent was left to close

export interface SweepSummary {
  results: SettleResult[];
  /** intents not settled because their purchase may still be answered */
  waiting: number;
  /** when the next sweep should run */
  nextInMs: number;
}

export interface OrphanSettlerOptions {
  ids: IdStore;
  upstream: MoneyUpstream;
  keyRing: KeyRing;
  purchases: PurchaseCoordinator;
  /** limited keys' spend: a claimed purchase is charged there, a refund given back (absent: no limits) */
  ledger?: SpendLedger | undefined;
  log: Logger;
  /** how long a purchase may take */
  purchaseTimeoutMs: number;
  /** give up on intents this old (the upstream has expired and refunded anything by then) */
  giveUpAfterMs: number;
  /** closed intents are deleted after this long */
  retentionMs: number;
  /** the sweep interval when nothing is left to retry (ORPHAN_SWEEP_S) */
  sweepIntervalMs: number;
  onResult?: (result: SettleResult) => void;
  now?: () => number;
}

/**
 * Settles purchase intents left open by a lost answer or a crash (docs/legacy-protocol.md §6 "No
 * orphaned purchases"): the activation such a purchase created is claimed through the id store (so
 * no other request or replica hands it out) and cancelled for a refund once its cool-down allows;
 * one that already received a code is kept mapped (its charge is final; the owner sees it in
 * getActiveActivations). An intent is settled as soon as no purchase can still answer it: at once
 * when its purchase ended in this process (it says so), when the process that made it is dead (its
 * heartbeat lapsed; a restart settles its predecessor's intents at once), else after the purchase
 * deadline. Sweeps that leave work retry after 1 s, 2 s, 4 s…; listings and cancels are made even
 * while the circuit breaker is open.
 */
export class OrphanSettler {
  private timer: NodeJS.Timeout | undefined;
  private nextAt = Number.POSITIVE_INFINITY;
  private backoffMs = FIRST_RETRY_MS;
  private running: Promise<SweepSummary> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private heartbeatFailing = false;
  private lastPruneAt = Number.NEGATIVE_INFINITY;
  private stopped = false;
  private readonly now: () => number;
  private readonly windowMs: number;

  constructor(private readonly opts: OrphanSettlerOptions) {
    this.now = opts.now ?? Date.now;
    this.windowMs = purchaseWindowMs(opts.purchaseTimeoutMs);
  }

  start(): void {
    void this.beat();
    this.heartbeat = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
    this.schedule(0);
  }

  /**
   * Something may be settleable: an owner's key was seen again (sweep at once), or a purchase left
   * its intent open after an upstream failure (sweep after `delayMs`, default 1 s).
   */
  nudge(delayMs = FIRST_RETRY_MS): void {
    this.backoffMs = FIRST_RETRY_MS;
    this.schedule(delayMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.heartbeat);
    await this.running;
  }

  /** One pass over the open intents; never overlaps itself. */
  sweep(): Promise<SweepSummary> {
    this.running ??= this.sweepOnce()
      .catch((err: unknown): SweepSummary => {
        this.opts.log.warn({ err: String(err) }, "orphan sweep failed");
        return { results: [], waiting: 0, nextInMs: this.retryDelay() };
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    const at = this.now() + delayMs;
    if (this.timer !== undefined && this.nextAt <= at) return;
    clearTimeout(this.timer);
    this.nextAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.nextAt = Number.POSITIVE_INFINITY;
      void this.sweep().then((summary) => this.schedule(summary.nextInMs));
    }, delayMs);
    this.timer.unref();
  }

  private retryDelay(): number {
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.sweepIntervalMs);
    return Math.min(delay, this.opts.sweepIntervalMs);
  }

  private async beat(): Promise<void> {
    try {
      await this.opts.ids.heartbeat(this.opts.purchases.instance, HEARTBEAT_TTL_MS);
      this.heartbeatFailing = false;
    } catch (err) {
      if (!this.heartbeatFailing) this.opts.log.warn({ err: String(err) }, "heartbeat not recorded");
      this.heartbeatFailing = true;
    }
  }

  private async sweepOnce(): Promise<SweepSummary> {
    const { ids } = this.opts;
    await this.pruneNowAndThen();
    const intents = await ids.openIntents();
    const live = intents.length > 0 ? await ids.liveInstances() : new Set<string>();
    const byOwner = new Map<string, PurchaseIntent[]>();
    let waiting = 0;
    let otherReplicaWaiting = false;
    const results: SettleResult[] = [];
    for (const intent of intents) {
      if (
        intent.instance === this.opts.purchases.instance &&
        this.opts.purchases.wasDelivered(intent.intentId)
      ) {
        await this.close(intent);
        results.push("delivered");
        this.opts.onResult?.("delivered");
        continue;
      }
      const verdict = this.orphanhood(intent, live);
      if (verdict !== "orphan") {
        waiting += 1;
        otherReplicaWaiting ||= verdict === "live-replica";
        continue;
      }
      this.opts.log.debug(
        {
          intentId: intent.intentId,
          own: intent.instance === this.opts.purchases.instance,
          instanceLive: intent.instance === undefined ? null : live.has(intent.instance),
          ageMs: this.now() - intent.createdAt,
        },
        "settling a purchase intent",
      );
      const group = `${intent.owner}:${intent.product ?? ""}`;
      byOwner.set(group, [...(byOwner.get(group) ?? []), intent]);
    }
    const retryAt: number[] = [];
    for (const ownIntents of byOwner.values()) {
      for (const result of await this.settleOwner(ownIntents, retryAt)) {
        results.push(result);
        this.opts.onResult?.(result);
      }
    }
    let nextInMs = this.opts.sweepIntervalMs;
    if (results.some((r) => r === "pending" || r === "failed")) nextInMs = this.retryDelay();
    else this.backoffMs = FIRST_RETRY_MS;
    for (const at of retryAt)
      nextInMs = Math.min(nextInMs, Math.max(0, at - this.opts.upstream.upstreamNow()));
    // Another replica's purchases: notice soon when it dies (its heartbeat lapses).
    if (otherReplicaWaiting) nextInMs = Math.min(nextInMs, HEARTBEAT_TTL_MS / 2);
    return { results, waiting, nextInMs };
  }

  /** Can a purchase still answer this intent? */
  private orphanhood(
    intent: PurchaseIntent,
    live: ReadonlySet<string>,
  ): "orphan" | "in-flight" | "live-replica" {
    const { purchases } = this.opts;
    if (intent.instance === purchases.instance)
      return purchases.wasLeftOpen(intent.intentId) ? "orphan" : "in-flight";
    const age = this.now() - intent.createdAt;
    if (intent.instance === undefined) {
      // recorded before intents named their process: after the purchase deadline
      return age >= this.opts.purchaseTimeoutMs + CLOCK_MARGIN_MS ? "orphan" : "live-replica";
    }
    if (!live.has(intent.instance)) return "orphan";
    // A live replica settles its own intents (its purchase may be slow, or still being answered):
    // stepping in early could cancel an activation it is handing out. Only as a last resort.
    return age >= LIVE_REPLICA_GRACE_MS ? "orphan" : "live-replica";
  }

  /** One owner's intents for one product: one listing, then each intent against it. */
  private async settleOwner(intents: PurchaseIntent[], retryAt: number[]): Promise<SettleResult[]> {
    const [first] = intents;
    if (!first) return [];
    const key = this.opts.keyRing.keyOf(first.owner);
    if (!key) return Promise.all(intents.map((intent) => this.giveUpIfOld(intent, "unknown_key")));
    const line: ProductLine<{ id: string }> =
      first.product === "email" ? mailboxLine(this.opts.upstream) : numberLine(this.opts.upstream);
    let listed: Listed;
    try {
      const since = Math.min(...intents.map((i) => i.upstreamTime));
      const { items, complete } = await line.listBackTo(key, since, MAX_PAGES);
      listed = { sold: items.map(line.sold), complete, line };
    } catch (err) {
      if (err instanceof UpstreamError && err.kind === "unauthorized") {
        // A key the upstream refuses has nothing to settle and never will.
        for (const intent of intents) await this.close(intent);
        return intents.map(() => "refused");
      }
      this.opts.log.warn({ err: String(err) }, "orphan sweep could not list activations");
      return intents.map(() => "failed");
    }
    const results: SettleResult[] = [];
    for (const intent of intents) results.push(await this.settle(intent, key, listed, retryAt));
    return results;
  }

  private async settle(
    intent: PurchaseIntent,
    key: string,
    listed: Listed,
    retryAt: number[],
  ): Promise<SettleResult> {
    const { ids, upstream } = this.opts;
    if (intent.claimedUpstreamId !== undefined) {
      const seen = listed.sold.find((a) => a.id === intent.claimedUpstreamId);
      return this.cancelClaimed(intent, intent.claimedUpstreamId, key, listed.line, seen, retryAt);
    }
    const windowEnd = intent.upstreamTime + this.windowMs;
    const slot = purchaseSlot(intent.owner, intent.serviceCode, intent.countryIso);
    const candidates = matchingActivations(listed.sold, intent, intent.upstreamTime, windowEnd);
    for (const activation of candidates.reverse()) {
      const mapped = await ids.findByUpstream(activation.id, intent.owner);
      // Mapped by another purchase: handed out. Mapped by this intent's own purchase: its answer
      // never reached the client (the process died, or the client went away, before it was written).
      if (mapped && mapped.intentId !== intent.intentId) continue;
      // Ended and never mapped: nothing to refund and no one to hand it to (a purchase that could
      // not store its id cancels it itself), so it is nobody's match.
      if (!mapped && ENDED.has(activation.status)) continue;
      if (!mapped && this.opts.purchases.mayBeInFlight(slot, Date.parse(activation.createdAt!))) {
        // It may be the answer of a purchase still in flight here: let that purchase finish first.
        retryAt.push(upstream.upstreamNow() + FIRST_RETRY_MS);
        return "pending";
      }
      const mapping = intent.product ? { product: intent.product } : undefined;
      if (!mapped && !(await ids.upsert(activation.id, intent.owner, mapping)).created) continue; // claimed meanwhile
      const cents = toCents(activation.userCost);
      if (cents !== undefined) await this.opts.ledger?.settle(intent.intentId, activation.id, cents);
      if (!isWaitingForCode(activation)) {
        await this.close(intent);
        return "kept";
      }
      await ids.markIntentClaimed(intent.intentId, activation.id);
      return this.cancelClaimed(intent, activation.id, key, listed.line, activation, retryAt);
    }
    // Nothing matched yet. A purchase whose answer timed out may still be committed upstream.
    if (upstream.upstreamNow() <= windowEnd) {
      retryAt.push(windowEnd + 1);
      return "pending";
    }
    const oldest = listed.sold.at(-1)?.createdAt;
    const reachedBack =
      listed.complete || (typeof oldest === "string" && Date.parse(oldest) < intent.upstreamTime);
    if (reachedBack) {
      await this.close(intent);
      return "nothing";
    }
    return this.giveUpIfOld(intent, "pending");
  }

  /** Cancels the activation claimed for an intent (as soon as the cool-down allows). */
  private async cancelClaimed(
    intent: PurchaseIntent,
    activationId: string,
    key: string,
    line: ProductLine<{ id: string }>,
    seen: Sold | undefined,
    retryAt: number[],
  ): Promise<SettleResult> {
    const { upstream, log } = this.opts;
    let activation = seen;
    try {
      activation ??= line.sold(await line.get(key, activationId));
    } catch (err) {
      if (err instanceof UpstreamError && err.kind === "not_found") {
        await this.close(intent);
        return "nothing";
      }
      return "failed";
    }
    if (ENDED.has(activation.status)) {
      await this.opts.ledger?.end(activationId, true);
      await this.close(intent);
      return "refunded";
    }
    if (!isWaitingForCode(activation)) {
      await this.close(intent);
      return "kept";
    }
    const cancellableAt = activation.cancellableAt ? Date.parse(activation.cancellableAt) : 0;
    if (cancellableAt > upstream.upstreamNow()) {
      retryAt.push(cancellableAt);
      return "pending";
    }
    try {
      await line.cancel(key, activationId);
    } catch (err) {
      const kind = err instanceof UpstreamError ? err.kind : String(err);
      log.warn({ intentId: intent.intentId, kind }, "orphan cancel failed");
      return "failed"; // a 409 (a code arrived meanwhile) is seen on the next try
    }
    await this.opts.ledger?.end(activationId, true);
    await this.close(intent);
    log.info({ intentId: intent.intentId }, "orphaned purchase cancelled for a refund");
    return "cancelled";
  }

  /** Keeps an intent for a later sweep, unless it is older than anything the upstream still holds. */
  private async giveUpIfOld(intent: PurchaseIntent, result: SettleResult): Promise<SettleResult> {
    if (this.now() - intent.createdAt < this.opts.giveUpAfterMs) return result;
    await this.close(intent);
    return "nothing";
  }

  /** Closes an intent; a spend reservation it still holds (nothing was charged) is released. */
  private async close(intent: PurchaseIntent): Promise<void> {
    await this.opts.ledger?.release(intent.intentId);
    await this.opts.ids.closeIntent(intent.intentId);
    this.opts.purchases.settled(intent.intentId);
  }

  private async pruneNowAndThen(): Promise<void> {
    if (this.now() - this.lastPruneAt < PRUNE_EVERY_MS) return;
    this.lastPruneAt = this.now();
    const pruned = await this.opts.ids.pruneIntents(this.now() - this.opts.retentionMs);
    if (pruned > 0) this.opts.log.info({ pruned }, "closed purchase intents pruned");
  }
}

/** One owner's listing of one product, as the settler reads it. */
interface Listed {
  sold: Sold[];
  /** nothing older exists upstream */
  complete: boolean;
  line: ProductLine<{ id: string }>;
}

function isWaitingForCode(a: Sold): boolean {
  return (a.status === "WAITING" || a.status === "PENDING") && !a.hasCode;
}
