import { LRUCache } from "lru-cache";
import type { Logger } from "pino";
import { toCents } from "../common/money.js";
import { hasLimits } from "../common/spend-limits.js";
import { T } from "../common/tokens.js";
import type { GatewayEvents } from "../events.js";
import { type Budget, type BudgetRefusal, reserve, settled } from "../money/budget.js";
import type { SpendLedger } from "../store/spend-ledger.js";
import type { ActionContext } from "./context.js";

/**
 * A limited key's purchase (README "Spend limits"): the price is reserved, then the purchase made
 * with the reservation's id as its intent's, then settled. Refusals in the tokens bots already
 * handle: over a budget is out of money, over the live count or the rate is "try later".
 */
const NUMBER_REFUSALS: Record<BudgetRefusal, string> = {
  daily: T.NO_BALANCE,
  total: T.NO_BALANCE,
  live: T.NO_NUMBERS,
  rate: T.NO_NUMBERS,
  lost: T.NO_BALANCE,
};
const MAILBOX_REFUSALS: Record<BudgetRefusal, string> = {
  daily: T.BAD_BALANCE,
  total: T.BAD_BALANCE,
  live: T.CHANNELS_LIMIT,
  rate: T.CHANNELS_LIMIT,
  lost: T.BAD_BALANCE,
};

export function budgetOf(ctx: ActionContext): Budget | undefined {
  const { ledger } = ctx.deps;
  return ledger && hasLimits(ctx.limits) ? { ledger, limits: ctx.limits, owner: ctx.owner } : undefined;
}

/**
 * Buys through `buy(intentId)` within the key's budget; answers the refusal token instead when a
 * limit would be passed (nothing is bought then). Without limits it is `buy()` as it is.
 */
export async function withinBudget<T extends { activation: { id: string; userCost: string } }>(
  ctx: ActionContext,
  product: "number" | "mailbox",
  priceCents: () => Promise<number | undefined>,
  buy: (intentId?: string) => Promise<T>,
): Promise<T | string> {
  const budget = budgetOf(ctx);
  if (!budget) return buy();
  const price = await priceCents();
  if (price === undefined) return product === "number" ? T.NO_NUMBERS : T.CHANNELS_LIMIT;
  const reserved = await reserve(budget, price);
  if ("refused" in reserved) {
    ctx.deps.limitRefused?.(ctx.owner, reserved.refused);
    return (product === "number" ? NUMBER_REFUSALS : MAILBOX_REFUSALS)[reserved.refused];
  }
  const bought = await settled(budget, reserved.id, () => buy(reserved.id));
  const charged = toCents(bought.activation.userCost);
  // the native API has no price cap: a price that rose after it was read passes the budget by that much
  if (charged !== undefined && charged > price)
    ctx.log.warn(
      { reservedCents: price, chargedCents: charged },
      "price rose between the budget check and the purchase",
    );
  return bought;
}

const REFUNDED = new Set(["CANCELLED", "EXPIRED", "REFUNDED"]);

/**
 * Ends ledger entries as the gateway learns that activations ended (polls, writes, tracker
 * refreshes, listings): a refund gives the money back, a completion stops it counting as live.
 * One store call per activation, not per poll.
 */
export function endSpendOnEvents(events: GatewayEvents, ledger: SpendLedger, log: Logger): () => void {
  const ended = new LRUCache<string, true>({ max: 200_000 });
  return events.on("activation", ({ activation }) => {
    const refunded = REFUNDED.has(activation.status);
    if (!refunded && activation.status !== "COMPLETED") return;
    // a reordered mailbox ends again with a new window: one end per activation and window
    const once = `${activation.id}@${activation.expiresAt ?? ""}`;
    if (ended.has(once)) return;
    ended.set(once, true);
    ledger.end(activation.id, refunded).catch((err: unknown) => {
      ended.delete(once); // seen again later, tried again
      log.warn({ err: String(err) }, "spend ledger: an ended activation was not recorded");
    });
  });
}
