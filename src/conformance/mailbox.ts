/** SMS-Activate's email API, V1 (docs/legacy-protocol.md §9): its JSON envelope and settling a mailbox. */
import { summarize } from "./activation.js";
import type { CheckContext, MailTarget, Purchase } from "./context.js";
import { type Exchange, enc, isObject, parseJson } from "./wire.js";

export const EMAIL_ACTIONS = new Set([
  "getDomains",
  "buyMailActivation",
  "checkMailActivation",
  "reorderMailActivation",
  "cancelMailActivation",
  "getMailHistory",
]);

/** The site the read-only email checks ask about when `--buy-email` names none. */
export const DEFAULT_SITE = "telegram.com";

export type Envelope = { ok: true; response: unknown } | { ok: false; error: string } | { problem: string };

/** `{"status":"OK","response":…}` or `{"status":"ERROR","error":"CODE"}`, else what is wrong. */
export function envelopeOf(body: string): Envelope {
  const json = parseJson(body);
  if (!isObject(json)) return { problem: "not a JSON object" };
  if (json.status === "OK" && "response" in json) return { ok: true, response: json.response };
  if (json.status === "ERROR" && typeof json.error === "string") return { ok: false, error: json.error };
  return { problem: 'neither {"status":"OK","response":…} nor {"status":"ERROR","error":"…"}' };
}

export const v1 = (ctx: CheckContext, query: string, purchase = false): Promise<Exchange> =>
  ctx.send({ query: `${ctx.k}&${query}`, ...(purchase && { purchase }) });

export const domainsQuery = (site: string) => `action=getDomains&site=${enc(site)}`;

/** The mailbox a buyMailActivation answer hands out, if any (recorded so that it is settled). */
export function mailboxIn(ex: Exchange): Omit<Purchase, "via"> | undefined {
  const e = envelopeOf(ex.body);
  if (!("ok" in e) || !e.ok || !isObject(e.response)) return undefined;
  const { id, email } = e.response;
  if ((typeof id !== "number" && typeof id !== "string") || String(id) === "") return undefined;
  return { id: String(id), phone: typeof email === "string" ? email : "", kind: "mailbox" };
}

/** The price of `domain` in a getDomains answer (popular or zones), or why there is none. */
export function mailPrice(body: string, t: MailTarget): { price?: number; count?: number; why?: string } {
  const e = envelopeOf(body);
  if (!("ok" in e) || !e.ok || !isObject(e.response))
    return { why: `getDomains answered ${body.slice(0, 60)}` };
  const lists = [e.response.popular, e.response.zones].filter(Array.isArray).flat();
  const entry = lists.find((d) => isObject(d) && d.name === t.domain);
  if (!isObject(entry)) return { why: `no ${t.domain} among the domains of ${t.site}` };
  const price = Number(entry.cost);
  if (!Number.isFinite(price) || price < 0)
    return { why: `cost ${JSON.stringify(entry.cost)} is not a price` };
  const count = Number(entry.count);
  return { price, ...(Number.isFinite(count) && { count }) };
}

export interface MailWait {
  answers: string[];
  message?: string;
  ended?: boolean;
  ms: number;
  /** answers that were not a mailbox in the OK envelope */
  bad: string[];
}

/** Polls checkMailActivation until `full_message` comes, the mailbox ends (CANCEL), or `deadline`. */
export async function waitForMessage(ctx: CheckContext, p: Purchase, deadline: number): Promise<MailWait> {
  const started = ctx.now();
  const w: MailWait = { answers: [], bad: [], ms: 0 };
  for (;;) {
    const ex = await v1(ctx, `action=checkMailActivation&id=${enc(p.id)}`);
    const e = envelopeOf(ex.body);
    const m = "ok" in e && e.ok && isObject(e.response) ? e.response : undefined;
    w.answers.push(m ? String(m.status) : ex.status === undefined ? "(no answer)" : ex.body.slice(0, 60));
    if (!m || String(m.id) !== p.id || !["WAIT", "SUCCESS", "CANCEL"].includes(String(m.status))) {
      w.bad.push(ex.body.slice(0, 120));
    } else if (typeof m.full_message === "string") {
      w.message = p.code = m.full_message;
    } else if (m.status === "CANCEL") {
      w.ended = true;
    }
    w.ms = ctx.now() - started;
    if (w.message !== undefined || w.ended || ctx.aborted() || ctx.now() + ctx.pollMs > deadline) return w;
    await ctx.sleep(ctx.pollMs);
  }
}

/** cancelMailActivation, retried while EARLY_CANCEL_DENIED, until `deadline`. */
export async function cancelMailbox(ctx: CheckContext, p: Purchase, deadline: number): Promise<string[]> {
  const answers: string[] = [];
  for (;;) {
    const ex = await v1(ctx, `action=cancelMailActivation&id=${enc(p.id)}`);
    const e = envelopeOf(ex.body);
    if ("ok" in e && e.ok && isObject(e.response) && e.response.status === "CANCEL") {
      p.settled = "cancelled";
      answers.push("CANCEL");
      return answers;
    }
    const error = "ok" in e && !e.ok ? e.error : undefined;
    answers.push(error ?? ex.body.slice(0, 60));
    if (error !== "EARLY_CANCEL_DENIED" || ctx.aborted() || ctx.now() + ctx.pollMs > deadline) return answers;
    await ctx.sleep(ctx.pollMs);
  }
}

/** Keeps a mailbox that got its message, else cancels it; a note for the report either way. */
export async function settleMailbox(ctx: CheckContext, p: Purchase): Promise<void> {
  if (p.settled) return;
  if (p.code === undefined) {
    const w = await waitForMessage(ctx, p, ctx.now() + ctx.waitMs);
    if (w.ended) {
      p.settled = "cancelled";
      p.note = `the endpoint ended it (CANCEL) after ${summarize(w.answers)}`;
      return;
    }
  }
  if (p.code !== undefined) {
    p.settled = "completed";
    p.note = "a message came: kept";
    return;
  }
  const answers = await cancelMailbox(ctx, p, ctx.now() + ctx.waitMs);
  p.note = `cancelMailActivation → ${summarize(answers)}`;
  if (!p.settled && answers.at(-1) === "BAD_STATUS") {
    // Refused because a message came meanwhile: one more look, and it is kept.
    const w = await waitForMessage(ctx, p, ctx.now());
    if (w.message !== undefined) p.settled = "completed";
  }
}
