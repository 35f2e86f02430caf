import type { ActionContext, LegacyAnswer } from "../context.js";
import { failureToken } from "../failure-tokens.js";
import { fixed2 } from "../money.js";
import { T } from "../tokens.js";

/** getBalance and getBalanceAndCashBack (no cashback upstream): `ACCESS_BALANCE:12.50`. */
export async function getBalance(ctx: ActionContext): Promise<LegacyAnswer> {
  try {
    const { balance } = await ctx.deps.upstream.getBalance(ctx.key);
    const money = fixed2(balance);
    return money === undefined ? T.ERROR_SQL : `ACCESS_BALANCE:${money}`;
  } catch (err) {
    return failureToken(err, "account");
  }
}
