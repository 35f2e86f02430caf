import { fixed2 } from "../../common/money.js";
import { T, VALUED, withValue } from "../../common/tokens.js";
import type { ActionContext, LegacyAnswer } from "../context.js";

/** getBalance and getBalanceAndCashBack (no cashback upstream): `ACCESS_BALANCE:12.50`. */
export async function getBalance(ctx: ActionContext): Promise<LegacyAnswer> {
  const { balance } = await ctx.deps.upstream.getBalance(ctx.key);
  const money = fixed2(balance);
  return money === undefined ? T.ERROR_SQL : withValue(VALUED.ACCESS_BALANCE, money);
}
