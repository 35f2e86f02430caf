/**
 * The email checks that buy (only with `--buy-email SITE:DOMAIN`, within `--max-spend`): one
 * mailbox, its message polled for up to `--wait`, then cancelled if none came. Settled before exit
 * whatever happens (run.ts).
 */
import { spentSoFar, summarize } from "./activation.js";
import { type Check, type CheckContext, fail, pass, skip } from "./context.js";
import { domainsQuery, envelopeOf, mailPrice, v1 } from "./email-wire.js";
import { cancelMailbox, waitForMessage } from "./mailbox.js";
import { describeExchange, enc, INT32_MAX, isObject, money, shown } from "./wire.js";

const NOT_BOUGHT = new Set(["CHANNELS_LIMIT", "NO_BALANCE", "BAD_BALANCE", "NO_NUMBERS"]);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The price from getDomains, kept within what is left of --max-spend, or why nothing is bought. */
async function priceWithinBudget(ctx: CheckContext): Promise<number | string> {
  const t = ctx.mailTarget!;
  const offer = mailPrice((await v1(ctx, domainsQuery(t.site))).body, t);
  if (offer.price === undefined) return `no price for ${t.domain} in getDomains (${offer.why})`;
  if (offer.count === 0) return `getDomains shows no ${t.domain} mailbox in stock`;
  const left = ctx.maxSpend - (await spentSoFar(ctx));
  if (offer.price > left + 1e-9) {
    return `its price ${offer.price} is more than what is left of --max-spend (${money(Math.max(0, left))} of ${money(ctx.maxSpend)})`;
  }
  return offer.price;
}

export const EMAIL_BUY_CHECKS: readonly Check[] = [
  {
    name: "email.buyMailActivation",
    phase: "buy-email",
    breaks:
      'email clients need {"status":"OK","response":{"id":<int>,"email":"…"}}: without the id they cannot poll, check or cancel the mailbox bought',
    run: async (ctx) => {
      const price = await priceWithinBudget(ctx);
      if (typeof price === "string") return skip(`buyMailActivation not bought: ${price}`);
      const { site, domain } = ctx.mailTarget!;
      const ex = await v1(ctx, `action=buyMailActivation&site=${enc(site)}&mail_domain=${enc(domain)}`, true);
      const seen = describeExchange(ex);
      const p = ctx.purchases.find((x) => x.kind === "mailbox");
      if (p) {
        p.cost ??= price;
        ctx.state.mailbox = p;
      }
      const e = envelopeOf(ex.body);
      if ("ok" in e && !e.ok && NOT_BOUGHT.has(e.error)) return skip(`${seen} — nothing bought`);
      if (!("ok" in e) || !e.ok || !isObject(e.response)) return fail(`${seen} — expected the OK envelope`);
      const { id, email } = e.response;
      if (typeof id !== "number" || !Number.isInteger(id) || id < 1 || id > INT32_MAX)
        return fail(
          `${seen} — response.id ${JSON.stringify(id) ?? "missing"} is not an integer 1 … ${INT32_MAX}`,
        );
      if (typeof email !== "string" || !email.includes("@"))
        return fail(`${seen} — response.email is not an address`);
      return pass(`${seen} (price ${price})`);
    },
  },
  {
    name: "email.checkMailActivation",
    phase: "buy-email",
    breaks:
      "email clients poll checkMailActivation until full_message appears: another shape, and the message bought is never read",
    run: async (ctx) => {
      const p = ctx.state.mailbox;
      if (!p) return skip("no mailbox bought by email.buyMailActivation");
      const w = await waitForMessage(ctx, p, ctx.now() + ctx.waitMs);
      const seen = `checkMailActivation&id=${p.id} ×${w.answers.length}: ${summarize(w.answers)}`;
      if (w.bad.length > 0)
        return fail(
          `${seen} — expected the OK envelope with this id and status WAIT, SUCCESS or CANCEL: ${shown(w.bad[0]!, 60)}`,
        );
      if (w.message !== undefined) {
        p.settled = "completed";
        p.note = "a message came: kept";
        return pass(`${seen} after ${seconds(w.ms)}, full_message ${shown(w.message, 40)}`);
      }
      return pass(`${seen} (no message within ${seconds(ctx.waitMs)}: it is cancelled below)`);
    },
  },
  {
    name: "email.cancelMailActivation",
    phase: "buy-email",
    breaks:
      "email clients cancel a mailbox without a message for a refund: another answer than the mailbox with status CANCEL keeps the money",
    run: async (ctx) => {
      const p = ctx.state.mailbox;
      if (!p) return skip("no mailbox bought by email.buyMailActivation");
      if (p.settled)
        return skip(p.settled === "completed" ? "a message came: the mailbox is kept" : "already ended");
      const answers = await cancelMailbox(ctx, p, ctx.now() + ctx.waitMs);
      p.note = `cancelMailActivation → ${summarize(answers)}`;
      const seen = `cancelMailActivation&id=${p.id}: ${summarize(answers)}`;
      if (p.settled === "cancelled") return pass(seen);
      return fail(
        answers.every((a) => a === "EARLY_CANCEL_DENIED")
          ? `${seen} — still not cancellable after ${seconds(ctx.waitMs)} (a longer --wait covers a longer cool-down)`
          : `${seen} — expected the mailbox with status CANCEL (EARLY_CANCEL_DENIED while too early)`,
      );
    },
  },
];
