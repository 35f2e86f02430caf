import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { RequestScope } from "../common/request-scope.js";
import { retrying } from "../common/retry.js";
import type { ActivationRecord, IdStore } from "../store/id-store.js";
import type { EmailActivation } from "../upstream/email-schemas.js";
import { UpstreamError } from "../upstream/errors.js";
import type { Activation } from "../upstream/schemas.js";
import { CLOCK_MARGIN_MS, CLOCK_RESOLUTION_MS, matchingActivations } from "./adoption.js";
import {
  type Order as LineOrder,
  type MoneyUpstream,
  mailboxLine,
  numberLine,
  type ProductLine,
} from "./product-line.js";
import { type PurchaseCoordinator, purchaseSlot } from "./purchase-coordinator.js";
import { storeOrCancel, type UnstoredOutcome } from "./unstored-purchase.js";

/** What a purchase uses of the gateway: made once at start-up, shared by every purchase. */
export interface PurchaseDeps {
  ids: Pick<IdStore, "addIntent" | "closeIntent" | "upsert">;
  upstream: MoneyUpstream;
  /** purchases in flight in this process, and what reconciliations took */
  purchases: PurchaseCoordinator;
  /** told of what was bought, so the first polls need no upstream read (absent: they read it) */
  tracker?: { remember(key: string, activation: Activation): Promise<void> } | undefined;
  /** called once per ambiguous purchase with how its reconciliation ended */
  onReconciliation?: ((result: "claimed" | "none_found" | "list_failed") => void) | undefined;
  /** RECONCILE_WAIT_MS: how long a lost purchase's reconciliation retries a failed listing */
  reconcileWaitMs: number;
  /** PURCHASE_TIMEOUT_MS: how long a bought activation's mapping may take to store before it is cancelled */
  purchaseTimeoutMs: number;
  /** called when a bought activation's mapping was not stored at the first try, with how that ended */
  onUnstored?: ((outcome: UnstoredOutcome) => void) | undefined;
}

/** One purchase's request: who buys, with which key, and where its facts are logged. */
export interface PurchaseContext {
  /** the upstream key the purchase is made with */
  key: string;
  /** hash of the key the client presented: the owner of what is bought */
  owner: string;
  log: Logger;
  /** the request's scope: the intent is closed once its answer was written (absent: at return) */
  scope?: RequestScope | undefined;
  /** the id of the purchase's intent: a spend reservation's, so the settler settles both as one */
  intentId?: string | undefined;
  deps: PurchaseDeps;
}

/** A number's order: the legacy country id is kept with the id (12 vs 187). */
export interface Order extends LineOrder {
  countryId: number;
}

/** A mailbox's order. */
export interface MailboxOrder {
  site: string;
  domain: string;
}

export interface Bought<A = Activation> {
  record: ActivationRecord;
  activation: A;
}

/** One product's purchase: its calls, its order, and what the id store keeps with the id. */
interface Purchasing<A extends { id: string }> {
  line: ProductLine<A>;
  order: LineOrder;
  countryId?: number | undefined;
  /** the first polls need no upstream read: the tracker starts from the purchase's own answer */
  seed?: (activation: A) => Promise<void>;
}

interface Intent {
  intentId: string;
  /** upstream time the purchase's window starts at */
  since: number;
}

/**
 * The intents one purchase records: each is written before the upstream can act on it, known to
 * the coordinator as in flight until the purchase ends, and reported as left open if it was not
 * closed by then (the orphan settler takes it from there at once).
 */
class PurchaseIntents {
  private readonly written = new Set<string>();
  private readonly closed = new Set<string>();
  private readonly awaitingDelivery = new Set<string>();

  constructor(
    private readonly ctx: PurchaseContext,
    private readonly order: LineOrder,
    private readonly product: ProductLine<{ id: string }>["product"],
  ) {}

  async open(since: number): Promise<Intent> {
    const { ids, purchases } = this.ctx.deps;
    const given = this.ctx.intentId;
    const intentId = given !== undefined && !this.written.has(given) ? given : randomUUID();
    await ids.addIntent({
      intentId,
      owner: this.ctx.owner,
      ...(this.product && { product: this.product }),
      serviceCode: this.order.serviceCode,
      countryIso: this.order.countryIso,
      upstreamTime: since,
      createdAt: Date.now(),
      instance: purchases.instance,
    });
    this.written.add(intentId);
    return { intentId, since };
  }

  async close(intent: Intent): Promise<void> {
    await this.ctx.deps.ids.closeIntent(intent.intentId);
    this.closed.add(intent.intentId);
  }

  /**
   * The purchase is answered with the activation its intent mapped: the intent is closed once the
   * answer was written to the client. Until then a crash leaves it open, and the settler cancels
   * the activation (mapped by this intent, handed to no one) for a refund.
   */
  async deliver(intent: Intent): Promise<void> {
    const { scope, deps } = this.ctx;
    if (!scope) return this.close(intent); // no socket to watch: handed over with the return value

    this.awaitingDelivery.add(intent.intentId);
    scope.onAnswered.push((delivered) => {
      const ended = (stillOpen: boolean) => deps.purchases.intentEnded(intent.intentId, { stillOpen });
      if (!delivered) {
        ended(true);
        return;
      }
      this.close(intent).then(
        () => ended(false),
        () => deps.purchases.intentDelivered(intent.intentId), // the settler closes it, refunding nothing
      );
    });
  }

  end(): void {
    for (const intentId of this.written) {
      if (this.awaitingDelivery.has(intentId)) continue;
      this.ctx.deps.purchases.intentEnded(intentId, { stillOpen: !this.closed.has(intentId) });
    }
  }
}

/**
 * One purchase, never retried (docs/legacy-protocol.md §6 "No orphaned purchases"): an intent is
 * recorded first; an ambiguous failure (timeout, dropped connection, 5xx) is reconciled against the
 * key's newest activations before answering, claiming a match atomically through the id store.
 * Throws the UpstreamError to answer with when nothing was bought (or nothing could be found); an
 * intent left open is settled by the orphan settler.
 */
export function purchase(ctx: PurchaseContext, order: Order): Promise<Bought> {
  return purchaseOf(ctx, {
    line: numberLine(ctx.deps.upstream),
    order,
    countryId: order.countryId,
    seed: (activation) => seedTracker(ctx, activation),
  });
}

/** A mailbox's purchase (docs/legacy-protocol.md §9), with the same guarantees as a number's. */
export function purchaseMailbox(ctx: PurchaseContext, order: MailboxOrder): Promise<Bought<EmailActivation>> {
  return purchaseOf(ctx, {
    line: mailboxLine(ctx.deps.upstream),
    order: { serviceCode: order.site, countryIso: order.domain },
  });
}

async function purchaseOf<A extends { id: string }>(
  ctx: PurchaseContext,
  p: Purchasing<A>,
): Promise<Bought<A>> {
  const intents = new PurchaseIntents(ctx, p.order, p.line.product);
  try {
    return await buyWithIntent(ctx, p, intents);
  } finally {
    intents.end();
  }
}

async function buyWithIntent<A extends { id: string }>(
  ctx: PurchaseContext,
  p: Purchasing<A>,
  intents: PurchaseIntents,
): Promise<Bought<A>> {
  const { ids, upstream, purchases } = ctx.deps;
  const { line, order } = p;
  const mapping = (intentId: string) => ({
    countryId: p.countryId,
    intentId,
    ...(line.product && { product: line.product }),
  });
  // The intent is written before the upstream is asked: a store that cannot write it stops the purchase here.
  let intent = await intents.open(upstream.upstreamNow() - CLOCK_MARGIN_MS);
  const storeBy = Date.now() + ctx.deps.purchaseTimeoutMs;
  const slot = purchaseSlot(ctx.owner, order.serviceCode, order.countryIso);
  // Tracked from the purchase until its activation is mapped (not through a reconciliation).
  const attempt = purchases.track(
    slot,
    upstream.upstreamNow() - CLOCK_RESOLUTION_MS,
    line.buy(ctx.key, order).then(async (activation) => {
      const storeDeps = { upstream: line, log: ctx.log, storeBy, onUnstored: ctx.deps.onUnstored };
      const { record, created } = await storeOrCancel(storeDeps, ctx.key, activation.id, () =>
        ids.upsert(activation.id, ctx.owner, mapping(intent.intentId)),
      );
      // A retried upsert whose first reply was lost finds the mapping this very intent made.
      return { record, activation, created: created || record.intentId === intent.intentId };
    }),
  );
  let failure: UpstreamError;
  try {
    const { created, ...bought } = await attempt;
    if (created) {
      await p.seed?.(bought.activation);
      await intents.deliver(intent);
      return bought;
    }
    // A concurrent reconciliation took this activation for its own lost purchase (and handed it
    // out): that lost purchase is then the unclaimed activation this request should have.
    failure = new UpstreamError("unavailable", "activation claimed by a concurrent reconciliation", {
      ambiguous: true,
    });
    const takerSince = purchases.windowOfTaker(bought.activation.id);
    if (takerSince !== undefined && takerSince < intent.since) {
      const wider = await intents.open(takerSince);
      await intents.close(intent);
      intent = wider;
    }
  } catch (err) {
    if (!(err instanceof UpstreamError && err.ambiguous)) {
      await intents.close(intent);
      throw err;
    }
    failure = err;
  }
  const until = upstream.upstreamNow() + CLOCK_RESOLUTION_MS;
  await Promise.allSettled(purchases.othersInFlight(slot, attempt));
  const found = await reconcile(ctx, p, { ...intent, until }, failure, mapping(intent.intentId));
  if (!found) throw failure; // the intent stays open: the settler maps and refunds what was created
  await p.seed?.(found.activation);
  await intents.deliver(intent);
  return found;
}

/**
 * The first polls need no upstream read: the tracker starts from the purchase's own answer. Best
 * effort: a tracker that cannot store it reads it on the first poll instead; the purchase stands.
 */
async function seedTracker(ctx: PurchaseContext, activation: Activation): Promise<void> {
  try {
    await ctx.deps.tracker?.remember(ctx.key, activation);
  } catch (err) {
    ctx.log.warn({ err: String(err) }, "tracker not seeded with a purchase");
  }
}

/**
 * Lists the key's newest activations and claims the oldest unclaimed one this purchase could have
 * created. The listing is made even while the breaker is open: it is the call that saves money.
 */
async function reconcile<A extends { id: string }>(
  ctx: PurchaseContext,
  { line, order }: Purchasing<A>,
  window: Intent & { until: number },
  cause: UpstreamError,
  mapping: Parameters<IdStore["upsert"]>[2],
): Promise<Bought<A> | undefined> {
  const { ids } = ctx.deps;
  ctx.log.warn({ kind: cause.kind, detail: cause.message }, "ambiguous purchase: reconciling");
  const page = await listNewest(ctx, line);
  if (!page) {
    ctx.deps.onReconciliation?.("list_failed");
    return undefined;
  }
  const sold = new Set(
    matchingActivations(page.map(line.sold), order, window.since, window.until).map((s) => s.id),
  );
  const candidates = page.filter((a) => sold.has(a.id)).reverse(); // oldest first
  for (const activation of candidates) {
    const { record, created } = await ids.upsert(activation.id, ctx.owner, mapping);
    if (!created) continue; // handed out already, by this or another replica
    ctx.deps.purchases.tookFor(activation.id, window.since);
    ctx.log.info({ numericId: record.numericId }, "ambiguous purchase reconciled");
    ctx.deps.onReconciliation?.("claimed");
    return { record, activation };
  }
  ctx.deps.onReconciliation?.("none_found");
  return undefined;
}

/** Pauses between a reconciliation's listings: quick at first, then once a second. */
const FIRST_RELIST_PAUSES_MS = [250, 500];
const RELIST_EVERY_MS = 1000;

/**
 * The key's newest activations, through an open breaker. A listing refused by an outage is tried
 * again until `reconcileWaitMs` has passed: the bot waits longer for its number, but gets it. Given
 * up, the settler can only cancel the activation, and the upstream keeps the charge once a code came.
 */
async function listNewest<A extends { id: string }>(
  ctx: PurchaseContext,
  line: ProductLine<A>,
): Promise<A[] | undefined> {
  const { reconcileWaitMs } = ctx.deps;
  let attempts = 0;
  try {
    return await retrying(
      async (n) => {
        attempts = n + 1;
        return await line.listNewest(ctx.key);
      },
      {
        pausesMs: FIRST_RELIST_PAUSES_MS,
        thenEveryMs: RELIST_EVERY_MS,
        giveUpAt: Date.now() + reconcileWaitMs,
        retryable: (err) => err instanceof UpstreamError && err.transient,
      },
    );
  } catch (err) {
    ctx.log.warn({ err: String(err), attempts }, "reconciliation could not list activations");
    return undefined;
  }
}
