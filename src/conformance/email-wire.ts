/** SMS-Activate's V1 email answers (docs/legacy-protocol.md §9): the JSON envelope, read and expected. */
import type { CheckContext, Expectation, MailTarget, Purchase, Verdict } from "./context.js";
import { pass, skip } from "./context.js";
import { type Exchange, enc, isObject, KEY_REFUSED, parseJson } from "./wire.js";

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

/** Not checkable: the endpoint has no email API, or refused the key (reported elsewhere). */
function notCheckable(a: Exchange): Verdict | undefined {
  if (a.body === "BAD_ACTION") return skip("BAD_ACTION: the endpoint does not offer email activations");
  if (KEY_REFUSED.has(a.body)) {
    return skip(`answered ${a.body} to the key: not checkable (reported by catalogue.good-key-accepted)`);
  }
  return undefined;
}

/** An OK envelope whose `response` passes `shape`, or (with `errorOk`) an error envelope. */
export const okEnvelope =
  (shape: (response: unknown, problems: string[]) => string, errorOk = false): Expectation =>
  (a) => {
    const no = notCheckable(a);
    if (no) return no;
    const e = envelopeOf(a.body);
    if ("problem" in e) return e.problem;
    if (!e.ok)
      return errorOk ? pass(`an error envelope: ${e.error}`) : `expected OK, got the error ${e.error}`;
    const problems: string[] = [];
    const ok = shape(e.response, problems);
    return problems.length === 0 ? pass(ok) : problems.slice(0, 3).join("; ");
  };

/** `{"status":"ERROR","error":"…"}` with HTTP 200, like every legacy answer. */
export const errorEnvelope: Expectation = (a) => {
  const no = notCheckable(a);
  if (no) return no;
  const e = envelopeOf(a.body);
  if ("problem" in e) return `${e.problem}: expected {"status":"ERROR","error":"…"}`;
  if (e.ok) return 'expected {"status":"ERROR","error":"…"}, got an OK envelope';
  return a.status === 200 || `HTTP ${a.status}: the client library reads the envelope of an HTTP 200`;
};
