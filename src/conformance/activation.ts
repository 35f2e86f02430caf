/** Buying safely: the price and the budget before a purchase, and settling every number bought. */
import { type CheckContext, type Purchase, skip, type Target, type Verdict } from "./context.js";
import { type Exchange, enc, isObject, money, parseBalance, parseJson } from "./wire.js";

export interface Offer {
  price?: number;
  count?: number;
  /** why no price could be read */
  why?: string;
}

/** The offer for a service in a country in a getPrices answer (`{"62":{"tg":{"cost":0.5,"count":120}}}`). */
export function offerIn(body: string, t: Target): Offer {
  const json = parseJson(body);
  if (!isObject(json)) return { why: `getPrices answered ${JSON.stringify(body.slice(0, 40))}` };
  const country = json[t.country];
  const offer = isObject(country) ? country[t.service] : undefined;
  if (!isObject(offer)) return { why: `no "${t.country}" → "${t.service}" entry` };
  const price = Number(offer.cost);
  const count = offer.count === undefined ? undefined : Number(offer.count);
  if (!Number.isFinite(price) || price < 0)
    return { why: `cost ${JSON.stringify(offer.cost)} is not a price` };
  return { price, ...(count !== undefined && Number.isFinite(count) && { count }) };
}

export const getBalance = (ctx: CheckContext) => ctx.send({ query: `${ctx.k}&action=getBalance` });

/** What the run has spent so far: the balance's drop, or the costs of numbers not refunded if more. */
export async function spentSoFar(ctx: CheckContext): Promise<number> {
  const costs = ctx.purchases
    .filter((p) => p.settled !== "cancelled")
    .reduce((sum, p) => sum + (p.cost ?? 0), 0);
  if (ctx.balanceAtStart === undefined) return costs;
  const now = parseBalance((await getBalance(ctx)).body);
  return now === undefined ? costs : Math.max(costs, ctx.balanceAtStart - now);
}

/**
 * Reads the price of the target and what is left of `--max-spend`: the price to record and the
 * maxPrice to send, or a SKIP saying why nothing is bought.
 */
export async function beforeBuying(
  ctx: CheckContext,
  action: string,
): Promise<{ price: number; maxPrice: string } | Verdict> {
  const { service, country } = ctx.target;
  const ex = await ctx.send({
    query: `${ctx.k}&action=getPrices&service=${enc(service)}&country=${enc(country)}`,
  });
  const offer = offerIn(ex.body, ctx.target);
  if (offer.price === undefined) {
    return skip(
      `${action} not bought: no price for ${service} in country ${country} in getPrices (${offer.why}), so the budget could not be kept`,
    );
  }
  if (offer.count === 0)
    return skip(`${action} not bought: getPrices shows no ${service} numbers in country ${country}`);
  const spent = await spentSoFar(ctx);
  const left = ctx.maxSpend - spent;
  if (offer.price > left + 1e-9) {
    return skip(
      `${action} not bought: its price ${offer.price} is more than what is left of --max-spend (${money(Math.max(0, left))} of ${money(ctx.maxSpend)})`,
    );
  }
  // Sent as maxPrice too: an endpoint that honours it re-reads the current price (a catalogue
  // answer may be cached) and refuses rather than exceed the budget.
  return { price: offer.price, maxPrice: (Math.floor(left * 100 + 1e-6) / 100).toFixed(2) };
}

export const STATUS_OK = /^STATUS_OK:(.+)$/;

const getStatus = (ctx: CheckContext, p: Purchase) =>
  ctx.send({ query: `${ctx.k}&action=getStatus&id=${enc(p.id)}` });

export const setStatus = (ctx: CheckContext, p: Purchase, status: number): Promise<Exchange> =>
  ctx.send({ query: `${ctx.k}&action=setStatus&id=${enc(p.id)}&status=${status}` });

export interface Wait {
  /** every getStatus answer, normalized */
  answers: string[];
  code?: string;
  /** the endpoint said STATUS_CANCEL (cancelled or expired: refunded) */
  cancelled?: boolean;
  ms: number;
}

/** Polls getStatus every `pollMs` until a code or STATUS_CANCEL comes, or `deadline`. */
export async function waitForCode(ctx: CheckContext, p: Purchase, deadline: number): Promise<Wait> {
  const started = ctx.now();
  const answers: string[] = [];
  for (;;) {
    const ex = await getStatus(ctx, p);
    answers.push(ex.status === undefined ? `(no answer: ${ex.noAnswer})` : ex.body);
    const ok = STATUS_OK.exec(ex.body);
    if (ok) {
      p.code = ok[1]!;
      return { answers, code: p.code, ms: ctx.now() - started };
    }
    if (ex.body === "STATUS_CANCEL") return { answers, cancelled: true, ms: ctx.now() - started };
    if (ctx.aborted() || ctx.now() + ctx.pollMs > deadline) return { answers, ms: ctx.now() - started };
    await ctx.sleep(ctx.pollMs);
  }
}

/** `setStatus 6`: ACCESS_ACTIVATION settles the number as completed. */
export async function complete(ctx: CheckContext, p: Purchase): Promise<Exchange> {
  const ex = await setStatus(ctx, p, 6);
  if (ex.body === "ACCESS_ACTIVATION") p.settled = "completed";
  return ex;
}

/**
 * `setStatus 8`, retried while the endpoint answers EARLY_CANCEL_DENIED, until `deadline`. A code
 * that arrives meanwhile (the cancel is refused) completes the number instead.
 */
export async function cancel(
  ctx: CheckContext,
  p: Purchase,
  deadline: number,
): Promise<{ answers: string[]; completedInstead?: boolean }> {
  const answers: string[] = [];
  for (;;) {
    const ex = await setStatus(ctx, p, 8);
    answers.push(ex.status === undefined ? `(no answer: ${ex.noAnswer})` : ex.body);
    if (ex.body === "ACCESS_CANCEL") {
      p.settled = "cancelled";
      return { answers };
    }
    if (ex.body !== "EARLY_CANCEL_DENIED" && ex.status !== undefined) {
      // Refused for another reason: look at the number itself.
      const st = await getStatus(ctx, p);
      answers.push(`getStatus: ${st.body}`);
      const ok = STATUS_OK.exec(st.body);
      if (ok) {
        p.code = ok[1]!;
        const done = await complete(ctx, p);
        answers.push(`setStatus 6: ${done.body}`);
        return { answers, completedInstead: p.settled === "completed" };
      }
      if (st.body === "STATUS_CANCEL") {
        p.settled = "cancelled";
        return { answers };
      }
    }
    if (ctx.aborted() || ctx.now() + ctx.pollMs > deadline) return { answers };
    await ctx.sleep(ctx.pollMs);
  }
}

/** Runs of the same answer, e.g. `STATUS_WAIT_CODE ×3, STATUS_OK:48213`. */
export function summarize(answers: string[]): string {
  const runs: [string, number][] = [];
  for (const a of answers) {
    const last = runs[runs.length - 1];
    if (last && last[0] === a) last[1]++;
    else runs.push([a, 1]);
  }
  return runs.map(([a, n]) => (n > 1 ? `${a} ×${n}` : a)).join(", ");
}

/**
 * Completes the number once a code came (waiting up to --wait), else cancels it (retrying
 * EARLY_CANCEL_DENIED up to --wait). Leaves a note on the purchase for the report.
 */
export async function settle(ctx: CheckContext, p: Purchase): Promise<void> {
  if (p.settled) return;
  if (p.code === undefined) {
    const w = await waitForCode(ctx, p, ctx.now() + ctx.waitMs);
    if (w.cancelled) {
      p.settled = "cancelled";
      p.note = `the endpoint ended it (STATUS_CANCEL) after ${summarize(w.answers)}`;
      return;
    }
  }
  if (p.code !== undefined) {
    const ex = await complete(ctx, p);
    p.note = `code ${p.code}; setStatus 6 → ${ex.body}`;
    if (p.settled) return;
  }
  const c = await cancel(ctx, p, ctx.now() + ctx.waitMs);
  p.note = `${p.note ? `${p.note}; ` : ""}setStatus 8 → ${summarize(c.answers)}`;
}

/** Records a number the endpoint handed out, from any answer (expected or not). */
export function purchaseIn(ex: Exchange, action: string): Omit<Purchase, "via"> | undefined {
  const m = /^ACCESS_NUMBER:([^:]+):(.*)$/.exec(ex.body);
  if (m) return { id: m[1]!, phone: m[2]! };
  if (action === "getNumberV2") {
    const json = parseJson(ex.body);
    if (isObject(json) && json.activationId !== undefined && json.activationId !== null) {
      const cost = Number(json.activationCost);
      return {
        id: String(json.activationId),
        phone: String(json.phoneNumber ?? ""),
        ...(Number.isFinite(cost) && { cost }),
      };
    }
  }
  return undefined;
}
