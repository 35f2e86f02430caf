import { getBalance, purchaseIn, settle } from "./activation.js";
import { CHECKS } from "./checks.js";
import {
  type Check,
  type CheckContext,
  type MailTarget,
  type Purchase,
  type Result,
  skip,
  type Target,
  type Verdict,
} from "./context.js";
import { mailboxIn } from "./email-wire.js";
import { decodeBody, describeNoAnswer, type HttpFn, nodeHttp } from "./http.js";
import { settleMailbox } from "./mailbox.js";
import {
  describeExchange,
  type Exchange,
  enc,
  money,
  normalizeBody,
  parseBalance,
  type RequestSpec,
} from "./wire.js";

export interface RunOptions {
  /** the handler URL, e.g. https://host/stubs/handler_api.php (a bare host gets /stubs/handler_api.php) */
  endpoint: string;
  key: string;
  /** `--buy SERVICE:COUNTRY`: run the activation checks (needs maxSpend) */
  buy?: Target;
  /** `--buy-email SITE:DOMAIN`: buy one mailbox (needs maxSpend) */
  buyEmail?: MailTarget;
  /** `--max-spend`: the most the run may spend */
  maxSpend?: number;
  /** `--wait` in seconds (default 30) */
  waitS?: number;
  /** the HTTP function (default node:http/https, with `ca` for TLS) */
  http?: HttpFn;
  ca?: string | Buffer;
  /** interval between getStatus polls and cancel retries (default 1500 ms) */
  pollMs?: number;
  /** total deadline of one request, body included (default 20 s; purchases 60 s) */
  timeoutMs?: number;
  /** `--timeout`: the whole run's deadline (default 5 min); past it the checks stop, what was bought is settled briefly */
  deadlineMs?: number;
  checks?: readonly Check[];
  /** called before each check: the progress line */
  onProgress?: (index: number, total: number, name: string) => void;
  /** aborting stops the checks and the waiting; numbers bought are still settled */
  signal?: AbortSignal;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface CheckResult {
  name: string;
  result: Result;
  detail: string;
  /** which clients break, for a FAIL; "" otherwise */
  breaks: string;
}

export interface RunReport {
  /** the endpoint as printed (no credentials, no query) */
  endpoint: string;
  /** set when the endpoint gave no answer at all: nothing was checked */
  unreachable?: string;
  /** the key was refused (BAD_KEY/NO_KEY) on the first getBalance */
  keyRefused: boolean;
  buying: boolean;
  results: CheckResult[];
  purchases: Purchase[];
  balanceBefore?: number;
  balanceAfter?: number;
  /** what the run spent, two decimals */
  spent: string;
  /** how `spent` was worked out */
  spentDetail: string;
}

export class EndpointError extends Error {
  override name = "EndpointError";
}

export interface Endpoint {
  origin: string;
  path: string;
  /** a query string the endpoint URL already had (kept in front of the checks' parameters) */
  search: string;
  headers: Record<string, string>;
  display: string;
}

/** Parses `--endpoint`: http(s) only; a bare host means the canonical /stubs/handler_api.php. */
export function parseEndpoint(raw: string): Endpoint {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new EndpointError("--endpoint must be a URL, e.g. https://host/stubs/handler_api.php");
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new EndpointError("--endpoint must be an http:// or https:// URL");
  }
  let path = u.pathname.replace(/\/+$/, "");
  if (path === "") path = "/stubs/handler_api.php";
  const headers: Record<string, string> = {};
  if (u.username || u.password) {
    const user = decodeURIComponent(u.username);
    const password = decodeURIComponent(u.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  }
  const origin = `${u.protocol}//${u.host}`;
  return { origin, path, search: u.search.replace(/^\?/, ""), headers, display: `${origin}${path}` };
}

const actionOf = (query: string): string => /(?:^|&)action=([^&]*)/.exec(query)?.[1] ?? "";

export const DEFAULT_DEADLINE_MS = 300_000;
const LATE_REQUEST_MS = 2000;
/** Only these actions buy a number; an ACCESS_NUMBER from any other answer is not one. */
const PURCHASE_ACTIONS = new Set(["getNumber", "getNumberV2"]);
/** A checker buys a handful at most; an endpoint handing out more is not settled one by one for ever. */
const MAX_SETTLED = 10;

/** Runs the checks table against an endpoint; every number bought is settled before it returns. */
export async function runConformance(opts: RunOptions): Promise<RunReport> {
  const endpoint = parseEndpoint(opts.endpoint);
  const http = opts.http ?? nodeHttp({ ...(opts.ca !== undefined && { ca: opts.ca }) });
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const sleep = opts.sleep ?? ((ms: number) => abortableSleep(ms, opts.signal));
  const now = opts.now ?? Date.now;
  const endsAt = now() + (opts.deadlineMs ?? DEFAULT_DEADLINE_MS);
  const pastDeadline = () => now() >= endsAt;
  // Past the deadline a request still gets a short while: settling what was bought matters most.
  const requestTimeout = (ms: number) => Math.max(LATE_REQUEST_MS, Math.min(ms, endsAt - now()));
  const exchanges: Exchange[] = [];
  const purchases: Purchase[] = [];
  const cache = new Map<string, Exchange>();

  const send = async (spec: RequestSpec): Promise<Exchange> => {
    const method = spec.method ?? (spec.form !== undefined ? "POST" : "GET");
    const path = endpoint.path + (spec.path === "trailing-slash" ? "/" : "");
    const query = [endpoint.search, spec.query ?? ""].filter((s) => s !== "").join("&");
    const target = `${path}${query === "" ? "" : `?${query}`}`;
    const headers: Record<string, string> = {
      "user-agent": "smsactivate-conformance",
      ...endpoint.headers,
      ...spec.headers,
    };
    if (spec.form !== undefined) headers["content-type"] ??= "application/x-www-form-urlencoded";
    const cacheKey = JSON.stringify([method, target, spec.headers ?? {}, spec.form ?? null]);
    const cached = spec.reuse ? cache.get(cacheKey) : undefined;
    if (cached) return cached;
    const extra = Object.entries(spec.headers ?? {}).map(([h, v]) => `${h}: ${v}`);
    const sent = `${method} ${target}${spec.form === undefined ? "" : ` body ${JSON.stringify(spec.form)}`}${extra.length ? ` [${extra.join(", ")}]` : ""}`;
    let ex: Exchange;
    try {
      const res = await http({
        method,
        url: `${endpoint.origin}${target}`,
        headers,
        ...(spec.form !== undefined && { body: spec.form }),
        timeoutMs: requestTimeout(spec.purchase ? Math.max(timeoutMs, 60_000) : timeoutMs),
      });
      const decoded = decodeBody(res);
      const text = decoded.bytes.toString("utf8");
      ex = {
        sent,
        status: res.status,
        contentType: String(res.headers["content-type"] ?? ""),
        contentEncoding: decoded.encoding,
        raw: res.body,
        bytes: decoded.bytes,
        text,
        body: normalizeBody(text),
        ...(decoded.error !== undefined && { decodeError: decoded.error }),
      };
    } catch (err) {
      const empty = Buffer.alloc(0);
      ex = {
        sent,
        noAnswer: describeNoAnswer(err).message,
        contentType: "",
        contentEncoding: "",
        raw: empty,
        bytes: empty,
        text: "",
        body: "",
      };
    }
    exchanges.push(ex);
    // Any number handed out, expected or not, is remembered so that it is settled.
    const action = actionOf(spec.form ?? spec.query ?? "");
    const bought = PURCHASE_ACTIONS.has(action)
      ? purchaseIn(ex, action)
      : action === "buyMailActivation"
        ? mailboxIn(ex)
        : undefined;
    if (bought && !purchases.some((p) => p.id === bought.id))
      purchases.push({ ...bought, via: action || "?" });
    if (spec.reuse && ex.status !== undefined) cache.set(cacheKey, ex);
    return ex;
  };

  const wrongKey = opts.key === WRONG_KEY ? `${WRONG_KEY.slice(0, -1)}f` : WRONG_KEY;
  const ctx: CheckContext = {
    key: opts.key,
    k: `api_key=${enc(opts.key)}`,
    wrongK: `api_key=${wrongKey}`,
    target: opts.buy ?? { service: "tg", country: "62" },
    buying: opts.buy !== undefined,
    ...(opts.buyEmail && { mailTarget: opts.buyEmail }),
    maxSpend: opts.buy || opts.buyEmail ? (opts.maxSpend ?? 0) : 0,
    waitMs: (opts.waitS ?? 30) * 1000,
    pollMs: opts.pollMs ?? 1500,
    send,
    exchanges,
    purchases,
    state: {},
    sleep,
    now,
    aborted: () => opts.signal?.aborted === true || pastDeadline(),
  };

  const report: RunReport = {
    endpoint: endpoint.display,
    keyRefused: false,
    buying: ctx.buying || ctx.mailTarget !== undefined,
    results: [],
    purchases,
    spent: "0.00",
    spentDetail: "nothing bought",
  };

  // The first request doubles as the reachability check.
  const first = await getBalance(ctx);
  if (first.status === undefined) {
    report.unreachable = `cannot reach ${endpoint.display}: ${first.noAnswer}`;
    return report;
  }
  ctx.balanceAtStart = parseBalance(first.body);
  report.balanceBefore = ctx.balanceAtStart;
  report.keyRefused = first.body === "BAD_KEY" || first.body === "NO_KEY";

  const checks = (opts.checks ?? CHECKS).filter(
    (c) => (c.phase !== "buy" || ctx.buying) && (c.phase !== "buy-email" || ctx.mailTarget !== undefined),
  );
  try {
    for (const [i, check] of checks.entries()) {
      opts.onProgress?.(i + 1, checks.length, check.name);
      const verdict = ctx.aborted() ? skip("interrupted") : await runCheck(check, ctx);
      report.results.push({
        name: check.name,
        result: verdict.result,
        detail: verdict.detail,
        breaks: verdict.result === "FAIL" ? check.breaks : "",
      });
    }
  } finally {
    // Every number bought is completed or cancelled before the tool exits, whatever happened.
    for (const p of purchases.slice(0, MAX_SETTLED)) {
      try {
        await (p.kind === "mailbox" ? settleMailbox(ctx, p) : settle(ctx, p));
      } catch (err) {
        p.note = `settling failed: ${(err as Error).message}`;
      }
    }
  }

  if (ctx.balanceAtStart !== undefined || purchases.length > 0) {
    report.balanceAfter = parseBalance((await getBalance(ctx)).body);
  }
  Object.assign(report, spending(report));
  return report;
}

/** One check: a request and an expectation, or its own `run`. A crash in a check is its FAIL. */
async function runCheck(check: Check, ctx: CheckContext): Promise<Verdict> {
  try {
    if (check.run) return await check.run(ctx);
    if (!check.request || !check.expect) return skip("nothing to check");
    const spec = check.request(ctx);
    if ("result" in spec) return spec;
    const ex = await ctx.send(spec);
    const seen = describeExchange(ex);
    if (ex.status === undefined) return { result: "FAIL", detail: seen };
    const v = check.expect(ex, ctx);
    if (v === true) return { result: "PASS", detail: seen };
    if (typeof v === "string") return { result: "FAIL", detail: `${seen} — ${v}` };
    return { result: v.result, detail: v.detail ? `${seen} — ${v.detail}` : seen };
  } catch (err) {
    return { result: "FAIL", detail: `the check could not run: ${(err as Error).message}` };
  }
}

function spending(r: RunReport): { spent: string; spentDetail: string } {
  const kept = r.purchases.filter((p) => p.settled !== "cancelled");
  const costs = kept.reduce((sum, p) => sum + (p.cost ?? 0), 0);
  const numbers =
    r.purchases.length === 0
      ? "nothing bought"
      : r.purchases
          .map(
            (p) =>
              `${p.via} ${p.id} ${p.settled ?? "STILL ACTIVE"}${p.cost === undefined ? "" : ` at ${money(p.cost)}`}`,
          )
          .join(", ");
  if (r.balanceBefore !== undefined && r.balanceAfter !== undefined && r.balanceBefore >= r.balanceAfter) {
    const drop = r.balanceBefore - r.balanceAfter;
    return {
      spent: money(drop),
      spentDetail: `balance ${money(r.balanceBefore)} → ${money(r.balanceAfter)}; ${numbers}${r.purchases.length ? `; costs of numbers kept ${money(costs)}` : ""}`,
    };
  }
  const balance =
    r.balanceBefore !== undefined && r.balanceAfter !== undefined
      ? `the balance rose (${money(r.balanceBefore)} → ${money(r.balanceAfter)}), so the costs count`
      : "balance not readable, so the costs count";
  return { spent: money(costs), spentDetail: `${balance}; ${numbers}` };
}

/** A key no endpoint should accept (the shape of a real one). */
export const WRONG_KEY = "0badc0de0badc0de0badc0de0badc0de";

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
