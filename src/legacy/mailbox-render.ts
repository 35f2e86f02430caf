import { LEGACY_CURRENCY, T } from "../common/tokens.js";
import type { EmailActivation, EmailDomain } from "../upstream/email-schemas.js";

/**
 * SMS-Activate's email answers (docs/legacy-protocol.md §9) as pure functions of what was read:
 * the V1 `response` objects of handler_api.php and the V2 `EmailActivation`. No I/O, no clock.
 */

/** SA's three mailbox states (V2's `status`; V1 history too). */
export type MailboxState = "WAIT" | "SUCCESS" | "CANCEL";

const ENDED_WITHOUT_MAIL = new Set(["CANCELLED", "EXPIRED", "REFUNDED"]);

/** A mailbox with a message is a success whatever its native status; one ended without one, cancelled. */
export function mailboxState(m: Pick<EmailActivation, "status" | "otpValue" | "body">): MailboxState {
  if (hasMessage(m)) return "SUCCESS";
  return ENDED_WITHOUT_MAIL.has(m.status) ? "CANCEL" : "WAIT";
}

export function hasMessage(m: Pick<EmailActivation, "otpValue" | "body">): boolean {
  return m.body !== null || (m.otpValue !== null && m.otpValue !== "");
}

const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  copy: "©",
  reg: "®",
  trade: "™",
  hellip: "…",
  mdash: "—",
  ndash: "–",
  laquo: "«",
  raquo: "»",
  euro: "€",
};

/** The message as text (SA's `full_message`): tags dropped, blocks on their own lines, entities decoded. */
export function messageText(m: Pick<EmailActivation, "otpValue" | "body">): string {
  if (m.body === null) return m.otpValue ?? "";
  return m.body
    .replace(/<(script|style|head)\b[\s\S]*?<\/\1>/gi, "")
    .replace(/<br\s*\/?>|<\/(p|div|h\d|li|tr|table)>/gi, "\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&(#\d+|#x[\da-f]+|\w+);/gi, (all, name: string) => decodeEntity(name) ?? all)
    .split("\n")
    .map((line) => line.replace(/[ \t\r\f\v]+/g, " ").trim())
    .filter((line) => line !== "")
    .join("\n");
}

function decodeEntity(name: string): string | undefined {
  if (name[0] !== "#") return ENTITIES[name.toLowerCase()];
  const code =
    name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
  return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
}

/** SA's date format in V2: `2025-03-06T11:04:07.000000Z` (microseconds). */
export function saDate(iso: string | null): string | null {
  if (iso === null) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : new Date(t).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

const cost = (m: Pick<EmailActivation, "userCost">) => Number(m.userCost);

/** V1 `getDomains`: every domain is "popular" (SMSBulk has no zones). */
export function v1Domains(domains: readonly EmailDomain[]) {
  return {
    zones: [],
    popular: domains.map((d) => ({ name: d.name, cost: Number(d.price), count: d.count ?? 0 })),
  };
}

/** V1 `buyMailActivation` and `reorderMailActivation`. */
export const v1Bought = (id: number, m: Pick<EmailActivation, "emailAddress">) => ({
  id,
  email: m.emailAddress ?? "",
});

/**
 * V1 `checkMailActivation`: `value` is the code; `full_message` is present only once a message
 * arrived, because the client library stops polling at that key (client-compatibility.md).
 */
export function v1Mailbox(id: number, m: EmailActivation) {
  const { full_message, ...row } = v1HistoryRow(id, m);
  return full_message === null ? row : { ...row, full_message };
}

/** One row of V1 `getMailHistory`: every key present (the library indexes each), `null` while waiting. */
export function v1HistoryRow(id: number, m: EmailActivation) {
  return {
    id,
    email: m.emailAddress ?? "",
    site: m.site ?? "",
    status: mailboxState(m),
    value: m.otpValue ?? (hasMessage(m) ? "" : null),
    cost: cost(m),
    date: saDate(m.createdAt),
    full_message: hasMessage(m) ? messageText(m) : null,
  };
}

/** V2 `EmailActivation`: the history row's fields (the OpenAPI's required id, status, cost, date) and the currency. */
export const v2Mailbox = (id: number, m: EmailActivation) => ({
  ...v1HistoryRow(id, m),
  currency: LEGACY_CURRENCY,
});

/** V2 domains: `{name, cost, currency, count}`. */
export const v2Domains = (domains: readonly EmailDomain[]) =>
  domains.map((d) => ({
    name: d.name,
    cost: Number(d.price),
    currency: LEGACY_CURRENCY,
    count: d.count ?? 0,
  }));

/** SA's V1 names for the refusals the gateway shares with V2 (the domain error is V1's type error). */
const V1_NAMES: Record<string, string> = { [T.BAD_DOMAIN]: T.MAIL_TYPE_ERROR };

/** A V1 email action's refusal: SA's JSON error envelope, HTTP 200 like every legacy answer. */
export const v1Refusal = (token: string) => ({ json: { status: "ERROR", error: V1_NAMES[token] ?? token } });

/**
 * A V2 refusal: its HTTP status and `{title, details}` body (the OpenAPI's error shape; the client
 * library reads `title`). The statuses other than 401, 404 and 422 are not documented anywhere.
 */
const V2_ERRORS: Record<string, [status: number, details: string]> = {
  [T.NO_KEY]: [401, "The X-API-Key header is missing"],
  [T.BAD_KEY]: [401, "The API key is not valid"],
  [T.NO_ACTIVATION]: [404, "No such email activation"],
  [T.BAD_SITE]: [400, "Unknown or missing site"],
  [T.BAD_DOMAIN]: [400, "Unknown or missing mail domain for this site"],
  [T.BAD_BALANCE]: [402, "Not enough balance"],
  [T.CHANNELS_LIMIT]: [409, "No mailbox available for this domain now"],
  [T.BAD_STATUS]: [409, "The activation is not in a state that allows this"],
  [T.EARLY_CANCEL_DENIED]: [409, "Too early to cancel this activation"],
  [T.VALIDATION_ERROR]: [422, "A parameter is out of its range"],
};
const V2_TITLES: Record<string, string> = { [T.NO_KEY]: "MISSING_API_KEY", [T.BAD_KEY]: "BAD_API_KEY" };

export function v2Error(token: string): { status: number; body: Record<string, unknown> } {
  const [status, details] = V2_ERRORS[token] ?? [503, "The service is temporarily unavailable, try again"];
  const title = V2_TITLES[token] ?? (token in V2_ERRORS ? token : "SERVICE_UNAVAILABLE");
  return {
    status,
    body: { title, details, ...(status === 422 && { errors: { count: ["must be 1 to 10"] } }) },
  };
}
