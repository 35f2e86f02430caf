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

/** The upstream `Date` header has one-second resolution; look back a little further than that. */
export const CLOCK_MARGIN_MS = 2_000;

/**
 * Purchases in flight in this process, per owner + service + country. A reconciliation waits for
 * the others to settle first, so it cannot claim an activation that a concurrent, successful
 * purchase is about to hand out.
 */
const inFlight = new Map<string, Set<Promise<unknown>>>();

function track<T>(slot: string, work: Promise<T>): Promise<T> {
  const set = inFlight.get(slot) ?? new Set();
  inFlight.set(slot, set);
  set.add(work);
  const done = () => {
    set.delete(work);
    if (set.size === 0) inFlight.delete(slot);
  };
  work.then(done, done);
  return work;
}

function othersInFlight(slot: string, self: Promise<unknown>): Promise<unknown>[] {
  return [...(inFlight.get(slot) ?? [])].filter((p) => p !== self);
}

/**
 * One purchase, never retried (legacy-protocol.md §6 "No orphaned purchases"): an intent is
 * recorded first; an ambiguous failure (timeout, dropped connection, 5xx) is reconciled against the
 * key's newest activations before answering, claiming a match atomically through the id store.
 * Throws the UpstreamError to answer with when nothing was bought (or nothing could be found).
 */
export async function purchase(ctx: ActionContext, order: Order): Promise<Bought> {
  const { ids, upstream } = ctx.deps;
  const since = upstream.upstreamNow() - CLOCK_MARGIN_MS;
  const intentId = await ids.addIntent({
    owner: ctx.owner,
    serviceCode: order.serviceCode,
    countryIso: order.countryIso,
    upstreamTime: since,
    createdAt: Date.now(),
  });
  const slot = `${ctx.owner}|${order.serviceCode}|${order.countryIso}`;
  // Tracked from the purchase until its activation is mapped (not through a reconciliation).
  const attempt = track(
    slot,
    upstream.buy(ctx.key, order).then(async (activation) => {
      const { record } = await ids.upsert(activation.id, ctx.owner, { countryId: order.countryId });
      return { record, activation };
    }),
  );
  try {
    const bought = await attempt;
    await ids.closeIntent(intentId);
    return bought;
  } catch (err) {
    if (err instanceof UpstreamError && err.ambiguous) {
      const until = upstream.upstreamNow() + CLOCK_MARGIN_MS;
      await Promise.allSettled(othersInFlight(slot, attempt));
      const found = await reconcile(ctx, order, { intentId, since, until }, err);
      if (found) return found;
      // Left open: the orphan settler maps and refunds whatever this attempt did create.
      throw err;
    }
    await ids.closeIntent(intentId);
    throw err;
  }
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
    page = (await upstream.listActivations(ctx.key, { limit: 20 })).data;
  } catch (err) {
    ctx.log.warn({ err: String(err) }, "reconciliation could not list activations");
    ctx.deps.onReconciliation?.("list_failed");
    return undefined;
  }
  const candidates = matchingActivations(page, order, intent.since, intent.until).reverse(); // oldest first
  for (const activation of candidates) {
    const { record, created } = await ids.upsert(activation.id, ctx.owner, { countryId: order.countryId });
    if (!created) continue; // handed out already, by this or another replica
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
