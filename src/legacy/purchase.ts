import type { ActivationRecord } from "../store/id-store.js";
import { UpstreamError } from "../upstream/errors.js";
import type { Activation } from "../upstream/schemas.js";
import type { ActionContext } from "./context.js";

export interface Order {
  serviceCode: string;
  countryIso: string;
  countryId: number;
  operator?: string | undefined;
}

export interface Bought {
  record: ActivationRecord;
  activation: Activation;
}

/** The upstream `Date` header and timestamps have one-second resolution. */
const CLOCK_RESOLUTION_MS = 1_000;
/** Look back a little further than that before a purchase. */
export const CLOCK_MARGIN_MS = 2 * CLOCK_RESOLUTION_MS;

/**
 * One purchase, never retried (docs/legacy-protocol.md §6 "No orphaned purchases"): an intent is
 * recorded first; an ambiguous failure (timeout, dropped connection, 5xx) is reconciled against the
 * key's newest activations before answering, claiming a match atomically through the id store.
 * Throws the UpstreamError to answer with when nothing was bought (or nothing could be found).
 */
export async function purchase(ctx: ActionContext, order: Order): Promise<Bought> {
  const { ids, upstream, purchases } = ctx.deps;
  const since = upstream.upstreamNow() - CLOCK_MARGIN_MS;
  const intentId = await recordIntent(ctx, order, since);
  const slot = `${ctx.owner}|${order.serviceCode}|${order.countryIso}`;
  // Tracked from the purchase until its activation is mapped (not through a reconciliation).
  const attempt = purchases.track(
    slot,
    upstream.buy(ctx.key, order).then(async (activation) => {
      const { record, created } = await ids.upsert(activation.id, ctx.owner, { countryId: order.countryId });
      return { record, activation, created };
    }),
  );
  let failure: UpstreamError;
  let intent = { intentId, since };
  try {
    const { created, ...bought } = await attempt;
    if (created) {
      await ids.closeIntent(intentId);
      return bought;
    }
    // A concurrent reconciliation took this activation for its own lost purchase (and handed it
    // out): that lost purchase is then the unclaimed activation this request should have.
    failure = new UpstreamError("unavailable", "activation claimed by a concurrent reconciliation", {
      ambiguous: true,
    });
    intent = await widenIntent(ctx, order, intent, purchases.windowOfTaker(bought.activation.id));
  } catch (err) {
    if (!(err instanceof UpstreamError && err.ambiguous)) {
      await ids.closeIntent(intentId);
      throw err;
    }
    failure = err;
  }
  const until = upstream.upstreamNow() + CLOCK_RESOLUTION_MS;
  await Promise.allSettled(purchases.othersInFlight(slot, attempt));
  const found = await reconcile(ctx, order, { ...intent, until }, failure);
  if (found) return found;
  // Left open: the orphan settler maps and refunds whatever this attempt did create.
  throw failure;
}

/** Replaces the intent by one that starts earlier, so the settler searches the wider window too. */
async function widenIntent(
  ctx: ActionContext,
  order: Order,
  intent: { intentId: string; since: number },
  since: number | undefined,
): Promise<{ intentId: string; since: number }> {
  if (since === undefined || since >= intent.since) return intent;
  const intentId = await recordIntent(ctx, order, since);
  await ctx.deps.ids.closeIntent(intent.intentId);
  return { intentId, since };
}

/** A purchase intent: what was ordered, by whom, from when (upstream clock). */
function recordIntent(ctx: ActionContext, order: Order, since: number): Promise<string> {
  return ctx.deps.ids.addIntent({
    owner: ctx.owner,
    serviceCode: order.serviceCode,
    countryIso: order.countryIso,
    upstreamTime: since,
    createdAt: Date.now(),
  });
}

async function reconcile(
  ctx: ActionContext,
  order: Order,
  intent: { intentId: string; since: number; until: number },
  cause: UpstreamError,
): Promise<Bought | undefined> {
  const { ids, upstream } = ctx.deps;
  ctx.log.warn({ kind: cause.kind, detail: cause.message }, "ambiguous purchase: reconciling");
  let page: Activation[];
  try {
    page = (await upstream.listActivations(ctx.key, { limit: 100 })).data;
  } catch (err) {
    ctx.log.warn({ err: String(err) }, "reconciliation could not list activations");
    ctx.deps.onReconciliation?.("list_failed");
    return undefined;
  }
  const candidates = matchingActivations(page, order, intent.since, intent.until).reverse(); // oldest first
  for (const activation of candidates) {
    const { record, created } = await ids.upsert(activation.id, ctx.owner, { countryId: order.countryId });
    if (!created) continue; // handed out already, by this or another replica
    ctx.deps.purchases.tookFor(activation.id, intent.since);
    await ids.closeIntent(intent.intentId);
    ctx.log.info({ numericId: record.numericId }, "ambiguous purchase reconciled");
    ctx.deps.onReconciliation?.("claimed");
    return { record, activation };
  }
  ctx.deps.onReconciliation?.("none_found");
  return undefined;
}

/** Activations (in page order) that a purchase made between two upstream times could have created. */
export function matchingActivations(
  page: Activation[],
  order: Pick<Order, "serviceCode" | "countryIso">,
  sinceUpstreamMs: number,
  untilUpstreamMs: number,
): Activation[] {
  return page.filter((a) => {
    const created = a.createdAt ? Date.parse(a.createdAt) : Number.NaN;
    return (
      a.serviceCode === order.serviceCode &&
      (a.countryIso ?? "").toUpperCase() === order.countryIso &&
      created >= sinceUpstreamMs &&
      created <= untilUpstreamMs
    );
  });
}
