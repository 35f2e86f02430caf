import type { Logger } from "pino";
import type { IdStore, PurchaseIntent } from "../store/id-store.js";
import type { UpstreamClient } from "../upstream/client.js";
import { UpstreamError } from "../upstream/errors.js";
import { listActivationPages, PAGE_SIZE } from "../upstream/paging.js";
import type { Activation } from "../upstream/schemas.js";
import type { KeyRing } from "./key-ring.js";
import { CLOCK_MARGIN_MS, matchingActivations } from "./purchase.js";

/** at most this many pages per owner and sweep: older intents wait for their give-up age */
const MAX_PAGES = 20;

export type SettleResult = "cancelled" | "kept" | "nothing" | "pending" | "unknown_key" | "failed";

export interface OrphanSettlerOptions {
  ids: IdStore;
  upstream: UpstreamClient;
  keyRing: KeyRing;
  log: Logger;
  /** how long a purchase may take: intents younger than this are still someone's request */
  purchaseTimeoutMs: number;
  /** give up on intents this old (the upstream has expired and refunded anything by then) */
  giveUpAfterMs: number;
  onResult?: (result: SettleResult) => void;
}

/**
 * Settles purchase intents left open by a lost answer or a crash (docs/legacy-protocol.md §6 "No orphaned
 * purchases"): the activation such a purchase created is claimed through the id store (so no other
 * request or replica hands it out) and cancelled for a refund once its cool-down allows. An
 * activation that already received a code is kept mapped (its charge is final; the owner sees it
 * in getActiveActivations).
 */
export class OrphanSettler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly opts: OrphanSettlerOptions) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.sweep(), intervalMs);
    this.timer.unref();
    void this.sweep();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass over the open intents; never overlaps itself. */
  sweep(): Promise<void> {
    this.running ??= this.sweepOnce()
      .catch((err: unknown) => this.opts.log.warn({ err: String(err) }, "orphan sweep failed"))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async sweepOnce(): Promise<void> {
    const { ids, keyRing } = this.opts;
    const settledBefore = Date.now() - this.opts.purchaseTimeoutMs - CLOCK_MARGIN_MS;
    const intents = await ids.openIntents({ createdBefore: settledBefore });
    const byOwner = new Map<string, PurchaseIntent[]>();
    for (const intent of intents) byOwner.set(intent.owner, [...(byOwner.get(intent.owner) ?? []), intent]);
    for (const [owner, ownIntents] of byOwner) {
      const key = keyRing.keyOf(owner);
      if (!key) {
        for (const intent of ownIntents) this.report(await this.giveUpIfOld(intent, "unknown_key"));
        continue;
      }
      let page: Activation[];
      try {
        page = await this.listBackTo(key, Math.min(...ownIntents.map((i) => i.upstreamTime)));
      } catch (err) {
        this.opts.log.warn({ err: String(err) }, "orphan sweep could not list activations");
        continue;
      }
      for (const intent of ownIntents) this.report(await this.settle(intent, key, page));
    }
  }

  /** The key's activations, newest first, paging back until one older than `since` (bounded). */
  private async listBackTo(key: string, since: number): Promise<Activation[]> {
    const reachesBack = (page: readonly Activation[]) => {
      const oldest = page.at(-1)?.createdAt;
      return oldest !== undefined && oldest !== null && Date.parse(oldest) < since;
    };
    const listed = await listActivationPages(this.opts.upstream, key, {
      maxPages: MAX_PAGES,
      enough: reachesBack,
    });
    return listed.activations;
  }

  private async settle(intent: PurchaseIntent, key: string, page: Activation[]): Promise<SettleResult> {
    const { ids, upstream, log } = this.opts;
    const until = intent.upstreamTime + this.opts.purchaseTimeoutMs + 2 * CLOCK_MARGIN_MS;
    for (const activation of matchingActivations(page, intent, intent.upstreamTime, until).reverse()) {
      if (await ids.findByUpstream(activation.id, intent.owner)) continue; // handed out already
      const waiting = activation.status === "WAITING" && !activation.smsCode;
      const cancellableAt = activation.cancellableAt ? Date.parse(activation.cancellableAt) : 0;
      if (waiting && cancellableAt > upstream.upstreamNow()) return "pending"; // try again next sweep
      const { created } = await ids.upsert(activation.id, intent.owner);
      if (!created) continue; // another request or replica claimed it in the meantime
      await ids.closeIntent(intent.intentId);
      if (!waiting) return "kept";
      try {
        await upstream.cancel(key, activation.id);
        log.info({ intentId: intent.intentId }, "orphaned purchase cancelled for a refund");
        return "cancelled";
      } catch (err) {
        log.warn(
          { intentId: intent.intentId, kind: err instanceof UpstreamError ? err.kind : String(err) },
          "orphan cancel failed",
        );
        return "failed";
      }
    }
    // Nothing matched. If the list reaches back before the intent, nothing ever will: close it.
    const oldest = page.at(-1)?.createdAt ?? undefined;
    const pageCoversIntent =
      page.length < PAGE_SIZE || (oldest !== undefined && Date.parse(oldest) < intent.upstreamTime);
    if (pageCoversIntent) {
      await ids.closeIntent(intent.intentId);
      return "nothing";
    }
    return this.giveUpIfOld(intent, "pending");
  }

  /** Keeps an intent for a later sweep, unless it is older than anything the upstream still holds. */
  private async giveUpIfOld(intent: PurchaseIntent, result: SettleResult): Promise<SettleResult> {
    if (Date.now() - intent.createdAt < this.opts.giveUpAfterMs) return result;
    await this.opts.ids.closeIntent(intent.intentId);
    return "nothing";
  }

  private report(result: SettleResult): void {
    this.opts.onResult?.(result);
  }
}
