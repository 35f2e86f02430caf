import { toCents } from "../../common/money.js";
import { T } from "../../common/tokens.js";
import { type Bought, type Order, type PurchaseContext, purchase } from "../../money/purchase.js";
import { UpstreamError } from "../../upstream/errors.js";
import type { ActionContext, LegacyAnswer } from "../context.js";
import { checkMaxPrice, maxPriceCents } from "../max-price.js";
import { renderAccessNumber, renderNumberV2 } from "../number-render.js";
import { observed } from "../observed.js";
import { countryParam } from "../params.js";

type Prepared = { order: Order } | { answer: string };

/** Validates service, country and maxPrice before anything is bought. */
async function prepareOrder(ctx: ActionContext): Promise<Prepared> {
  const serviceCode = ctx.params.get("service");
  if (!serviceCode) return { answer: T.BAD_SERVICE };
  const country = countryParam(ctx);
  if (!country) return { answer: T.BAD_COUNTRY };
  if (!(await ctx.deps.services.has(serviceCode))) return { answer: T.BAD_SERVICE };
  const operatorParam = ctx.params.get("operator");
  const order: Order = {
    serviceCode,
    countryIso: country.iso,
    countryId: country.id,
    operator: operatorParam && operatorParam !== "any" ? operatorParam : undefined,
  };
  const maxPrice = ctx.params.get("maxPrice");
  if (maxPrice !== undefined) {
    const refusal = await checkMaxPrice(ctx, order, maxPrice);
    if (refusal) return { answer: refusal };
  }
  return { order };
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

async function buy(ctx: ActionContext, order: Order): Promise<Bought> {
  const bought = await purchase(purchaseContext(ctx), order);
  warnIfAboveMaxPrice(ctx, bought);
  observed(ctx.deps, bought.record, bought.activation);
  return bought;
}

export async function getNumber(ctx: ActionContext): Promise<LegacyAnswer> {
  const prepared = await prepareOrder(ctx);
  if ("answer" in prepared) return prepared.answer;
  return renderAccessNumber(await buy(ctx, prepared.order));
}

export async function getNumberV2(ctx: ActionContext): Promise<LegacyAnswer> {
  const prepared = await prepareOrder(ctx);
  if ("answer" in prepared) return prepared.answer;
  const orderId = ctx.params.get("orderId");
  if (orderId === undefined) return renderNumberV2(await buy(ctx, prepared.order), prepared.order);
  const { ids } = ctx.deps;
  const claim = await ids.claimOrder(ctx.owner, orderId);
  if (claim.state === "exists") return T.ORDER_ALREADY_EXISTS;
  let bought: Bought;
  try {
    bought = await buy(ctx, prepared.order);
  } catch (err) {
    // A definitive refusal releases the claim; anything else keeps it: something may have been bought.
    if (err instanceof UpstreamError && !err.ambiguous) await ids.releaseOrder(ctx.owner, orderId);
    throw err;
  }
  await ids.completeOrder(ctx.owner, orderId, bought.record.numericId);
  return renderNumberV2(bought, prepared.order);
}
