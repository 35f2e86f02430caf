import { centsToPlain } from "../common/money.js";
import { T, VALUED, withValue } from "../common/tokens.js";
import type { Order } from "../money/purchase.js";
import type { ActionContext } from "./context.js";

/** A plain non-negative decimal: `1`, `0.5`, `.5`, `12.345` (no sign, exponent, comma or blank). */
const PLAIN_DECIMAL = /^(?:\d{1,9}(?:\.\d*)?|\.\d+)$/;

/**
 * `maxPrice` in cents, truncated (`0.499` allows 0.49, never 0.50), or undefined when it is not a
 * plain non-negative decimal: such a value is refused, never read as "no cap".
 */
function parseMaxPrice(value: string): number | undefined {
  if (!PLAIN_DECIMAL.test(value)) return undefined;
  const [whole = "", fraction = ""] = value.split(".");
  return Number(whole || "0") * 100 + Number(fraction.padEnd(2, "0").slice(0, 2));
}

/**
 * The native API has no price cap: read the current price right before buying (docs/legacy-protocol.md
 * §4) and refuse with `WRONG_MAX_PRICE:<price>` when it is higher than `maxPrice`, or when `maxPrice`
 * cannot be read as a price at all. Before a refusal reveals the price, the key is confirmed with the
 * upstream (an unknown key gets BAD_KEY, as its purchase would).
 */
export async function checkMaxPrice(
  ctx: ActionContext,
  order: Order,
  maxPrice: string,
): Promise<string | undefined> {
  const limit = parseMaxPrice(maxPrice);
  const rows = await ctx.deps.freshOffers.get(order.serviceCode);
  const offer = rows.find((row) => row.iso === order.countryIso);
  if (!offer) return T.NO_NUMBERS;
  if (limit !== undefined && offer.priceCents <= limit) return undefined;
  await ctx.deps.knownKeys.confirm(ctx.owner, () => ctx.deps.upstream.getBalance(ctx.key));
  return withValue(VALUED.WRONG_MAX_PRICE, centsToPlain(offer.priceCents));
}

/** The cap as cents for the after-purchase check, when it is a valid price. */
export function maxPriceCents(ctx: ActionContext): number | undefined {
  const maxPrice = ctx.params.get("maxPrice");
  return maxPrice === undefined ? undefined : parseMaxPrice(maxPrice);
}
