import { centsToPlain, toCents } from "../../common/money.js";
import { T } from "../../common/tokens.js";
import { type Bought, type Order, type PurchaseContext, purchase } from "../../money/purchase.js";
import { UpstreamError } from "../../upstream/errors.js";
import type { ActionContext, LegacyAnswer } from "../context.js";
import { checkMaxPrice, maxPriceCents } from "../max-price.js";
import { renderAccessNumber, renderNumberV2 } from "../number-render.js";
import { observed } from "../observed.js";
import { countryParam } from "../params.js";
import { withinBudget } from "../spend.js";

type Prepared = { order: Order } | { answer: string };

/** Validates service, country and maxPrice before anything is bought. */
async function prepareOrder(ctx: ActionContext): Promise<Prepared> {
  const serviceCode = ctx.params.get("service");
  if (!serviceCode) return { answer: T.BAD_SERVICE };
  const country = countryParam(ctx);
  if (!country) return { answer: T.BAD_COUNTRY };
  if (!(await ctx.deps.services.has(serviceCode))) return { answer: T.BAD_SERVICE };
  // a key's own limits: services and countries it may buy (a bot must not retry these for ever)
  if (ctx.limits?.services && !ctx.limits.services.includes(serviceCode)) return { answer: T.BAD_SERVICE };
  if (ctx.limits?.countries && !ctx.limits.countries.includes(country.id)) return { answer: T.BAD_COUNTRY };
  const operatorParam = ctx.params.get("operator");
  const order: Order = {
    serviceCode,
    countryIso: country.iso,
    countryId: country.id,
    operator: operatorParam && operatorParam !== "any" ? operatorParam : undefined,
  };
  const maxPrice = effectiveMaxPrice(ctx);
  if (maxPrice !== undefined) {
    const refusal = await checkMaxPrice(ctx, order, maxPrice);
    if (refusal) return { answer: refusal };
  }
  return { order };
}

/** The bot's `maxPrice`, lowered to its key's `--max-price` (a cap the bot cannot raise). */
function effectiveMaxPrice(ctx: ActionContext): string | undefined {
  const asked = ctx.params.get("maxPrice");
  const capped = ctx.limits?.maxPriceCents;
  if (capped === undefined) return asked;
  const askedCents = asked === undefined ? undefined : maxPriceCents(ctx);
  return askedCents !== undefined && askedCents <= capped ? asked : centsToPlain(capped);
}

function warnIfAboveMaxPrice(ctx: ActionContext, bought: Bought): void {
  const limit = maxPriceCents(ctx);
  const cost = toCents(bought.activation.userCost);
  if (limit !== undefined && cost !== undefined && cost > limit) {
    ctx.log.warn(
      { numericId: bought.record.numericId, cost, limit },
      "price moved above maxPrice during purchase",
    );
  }
}

/** What a purchase uses of this request and of the gateway's dependencies, and nothing more. */
export function purchaseContext(ctx: ActionContext): PurchaseContext {
  const { ids, upstream, purchases, tracker, onReconciliation, onUnstored, settings } = ctx.deps;
  return {
    key: ctx.key,
    owner: ctx.owner,
    log: ctx.log,
    scope: ctx.scope,
    deps: {
      ids,
      upstream,
      purchases,
      tracker,
      onReconciliation,
      onUnstored,
      reconcileWaitMs: settings.reconcileWaitMs,
      purchaseTimeoutMs: settings.purchaseTimeoutMs,
    },
  };
}

/** Buys within the key's budget; a string is the refusal to answer (nothing was bought). */
async function buy(ctx: ActionContext, order: Order): Promise<Bought | string> {
  const price = async () =>
    (await ctx.deps.freshOffers.get(order.serviceCode)).find((row) => row.iso === order.countryIso)
      ?.priceCents;
  const bought = await withinBudget(ctx, "number", price, (intentId) =>
    purchase({ ...purchaseContext(ctx), intentId }, order),
  );
  if (typeof bought === "string") return bought;
  warnIfAboveMaxPrice(ctx, bought);
  observed(ctx.deps, bought.record, bought.activation);
  return bought;
}

export async function getNumber(ctx: ActionContext): Promise<LegacyAnswer> {
  const prepared = await prepareOrder(ctx);
  if ("answer" in prepared) return prepared.answer;
  const bought = await buy(ctx, prepared.order);
  return typeof bought === "string" ? bought : renderAccessNumber(bought);
}

export async function getNumberV2(ctx: ActionContext): Promise<LegacyAnswer> {
  const prepared = await prepareOrder(ctx);
  if ("answer" in prepared) return prepared.answer;
  const orderId = ctx.params.get("orderId");
  if (orderId === undefined) {
    const bought = await buy(ctx, prepared.order);
    return typeof bought === "string" ? bought : renderNumberV2(bought, prepared.order);
  }
  const { ids } = ctx.deps;
  const claim = await ids.claimOrder(ctx.owner, orderId);
  if (claim.state === "exists") return T.ORDER_ALREADY_EXISTS;
  let bought: Bought | string;
  try {
    bought = await buy(ctx, prepared.order);
  } catch (err) {
    // A definitive refusal releases the claim; anything else keeps it: something may have been bought.
    if (err instanceof UpstreamError && !err.ambiguous) await ids.releaseOrder(ctx.owner, orderId);
    throw err;
  }
  if (typeof bought === "string") {
    await ids.releaseOrder(ctx.owner, orderId); // refused by a limit: nothing was bought
    return bought;
  }
  await ids.completeOrder(ctx.owner, orderId, bought.record.numericId);
  return renderNumberV2(bought, prepared.order);
}
