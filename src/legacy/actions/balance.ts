import { centsToFixed2, toCents } from "../../common/money.js";
import { remainingCents } from "../../common/spend-limits.js";
import { T, VALUED, withValue } from "../../common/tokens.js";
import { usageNow } from "../../money/budget.js";
import type { ActionContext, LegacyAnswer } from "../context.js";
import { budgetOf } from "../spend.js";

/**
 * getBalance and getBalanceAndCashBack (no cashback upstream): `ACCESS_BALANCE:12.50`. A limited
 * key sees the smallest of the wallet and what it may still spend, so a bot that checks its balance
 * stops on its own.
 */
export async function getBalance(ctx: ActionContext): Promise<LegacyAnswer> {
  const { balance } = await ctx.deps.upstream.getBalance(ctx.key);
  let cents = toCents(balance);
  if (cents === undefined) return T.ERROR_SQL;
  const budget = budgetOf(ctx);
  if (budget) {
    const left = remainingCents(budget.limits, await usageNow(budget));
    if (left !== undefined) cents = Math.min(cents, left);
  }
  return withValue(VALUED.ACCESS_BALANCE, centsToFixed2(cents));
}
