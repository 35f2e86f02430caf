import { parseJsonOrUndefined } from "../common/json.js";

/** What a check sends, what it gets back, and the small parsers every check shares. */

/** One request to the endpoint. Values in `query` and `form` are sent exactly as written. */
export interface RequestSpec {
  method?: "GET" | "POST";
  /** the endpoint's path as given (default), or the same with a trailing `/` (the Ruby gem's) */
  path?: "endpoint" | "trailing-slash";
  /** the raw query string, without `?` (encode values yourself: `enc()`) */
  query?: string;
  /** a url-encoded form body (POST); `""` sends an empty body */
  form?: string;
  headers?: Record<string, string>;
  /** identical requests marked `reuse` share one answer within a run (catalogue reads) */
  reuse?: boolean;
  /** a purchase: longer deadline */
  purchase?: boolean;
}

/** One request and its answer, as the checks see it. */
export interface Exchange {
  /** e.g. `GET /stubs/handler_api.php?api_key=…&action=getBalance` (printed with the key redacted) */
  sent: string;
  /** undefined when no HTTP answer came */
  status?: number;
  /** why no answer came */
  noAnswer?: string;
  contentType: string;
  contentEncoding: string;
  /** the body as received (still compressed, if it was) */
  raw: Buffer;
  /** the body after undoing Content-Encoding */
  bytes: Buffer;
  /** `bytes` as UTF-8, exactly (BOM, whitespace and newlines kept) */
  text: string;
  /**
   * `text` without a BOM and surrounding whitespace: what token and shape checks compare, so that
   * each of those habits is reported once, by its own `answers.*` check, not by every check.
   */
  body: string;
  decodeError?: string;
}

/** percent-encodes a query or form value */
export const enc = (v: string): string => encodeURIComponent(v);

export const BOM = "\uFEFF";

export function normalizeBody(text: string): string {
  return (text.startsWith(BOM) ? text.slice(1) : text).trim();
}

const MAX_SHOWN = 80;

/** Control characters and a BOM made visible (`\n`, `\uFEFF`); quotes are left alone. */
function visible(text: string): string {
  return text.replace(/[\p{Cc}\uFEFF]/gu, (ch) => {
    const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
    return named[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0").toUpperCase()}`;
  });
}

/** A body as printed in a report line: quoted, control characters visible, truncated. */
export function shown(text: string, max = MAX_SHOWN): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return `"${visible(cut)}"${text.length > max ? ` (${text.length} chars)` : ""}`;
}

/** `GET …?… → 200 "BODY"` (or `→ no answer: …`) */
export function describeExchange(ex: Exchange, opts: { contentType?: boolean } = {}): string {
  if (ex.status === undefined) return `${ex.sent} → no answer: ${ex.noAnswer ?? "unknown error"}`;
  const ct = opts.contentType ? ` [${ex.contentType || "no content-type"}]` : "";
  return `${ex.sent} → ${ex.status}${ct} ${shown(ex.text)}`;
}

/** The answer as JSON, or undefined when it is not JSON (a bare token, HTML, …). */
export function parseJson(body: string): unknown {
  return /^[[{]/.test(body) ? parseJsonOrUndefined(body) : undefined;
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** An integer in decimal without sign or leading zeros (`0` allowed), as clients' `int()` reads it. */
export const INTEGER_KEY = /^(0|[1-9]\d*)$/;

export const ACCESS_NUMBER = /^ACCESS_NUMBER:([^:]*):(.*)$/;

export const INT32_MAX = 2_147_483_647;

/** Tokens that mean "the endpoint refused this key". */
export const KEY_REFUSED = new Set(["BAD_KEY", "NO_KEY"]);

/** Money in a token, e.g. `ACCESS_BALANCE:12.34` → 12.34. */
export function parseBalance(body: string): number | undefined {
  const m = /^ACCESS_BALANCE:(\d+(?:\.\d+)?)$/.exec(body);
  return m ? Number(m[1]) : undefined;
}

export const money = (n: number): string => (Math.round(n * 100) / 100).toFixed(2);
