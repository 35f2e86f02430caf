import { randomBytes } from "node:crypto";
import { textAtMost } from "../common/capped-body.js";
import { PROBE_CHECKS, type ProbeCheck, type ProbeContext } from "./checks.js";
import { describeIssues } from "./issues.js";

/** The largest answer the probe reads (the gateway's UPSTREAM_MAX_BODY_BYTES default). */
const ANSWER_MAX_BYTES = 8 * 1024 * 1024;

export interface ProbeResult {
  name: string;
  /** e.g. `GET /services/tg/countries` (never the key) */
  request: string;
  status?: number;
  matched: boolean;
  differences: string[];
  notes: string[];
  /** set when the answer differed: what the gateway would do about it */
  consequence?: string;
  /** set when no answer came at all: `ECONNREFUSED`, `timed out`, … */
  noAnswer?: string;
}

export interface ProbeReport {
  /** the upstream base URL, without any user:password part */
  upstream: string;
  results: ProbeResult[];
  allMatched: boolean;
  /** the key was refused on calls that need it */
  keyRefused: boolean;
  /** the first call got no answer at all, so no other call was made */
  unreachable: boolean;
  /** how many calls a full probe makes */
  planned: number;
}

export interface ProbeOptions {
  /** native API base, e.g. https://smsbulk.net/api/v1 */
  upstream: string;
  key: string;
  timeoutMs?: number;
  checks?: readonly ProbeCheck[];
}

/** Shown instead of the base URL's credentials, if it has any. */
function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString().replace(/\/$/, "");
  } catch {
    return "(invalid URL)";
  }
}

/** A made-up id in the upstream's format (a CUID: "c" + 24 lower-case letters and digits). */
function unknownCuid(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return `c${[...randomBytes(24)].map((b) => alphabet[b % alphabet.length]).join("")}`;
}

async function runCheck(check: ProbeCheck, opts: ProbeOptions, ctx: ProbeContext): Promise<ProbeResult> {
  const path = check.path(ctx);
  const request = `GET ${path}${check.tag ? ` (${check.tag})` : ""}`;
  const base = opts.upstream.replace(/\/+$/, "");
  const differ = (differences: string[], status?: number): ProbeResult => ({
    name: check.name,
    request,
    ...(status !== undefined && { status }),
    matched: false,
    differences,
    notes: [],
    consequence: check.consequence,
  });

  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      headers: { accept: "application/json", ...(check.withKey && { "x-api-key": opts.key }) },
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    const name = (err as Error).name;
    const reason = name === "TimeoutError" ? "timed out" : (cause ?? name);
    return { ...differ([`no answer: ${reason}`]), noAnswer: reason };
  }
  let text: string;
  try {
    text = await textAtMost(res, ANSWER_MAX_BYTES);
  } catch (err) {
    return {
      ...differ([`no answer: ${(err as Error).message}`], res.status),
      noAnswer: (err as Error).message,
    };
  }
  if (!check.expectStatus.includes(res.status)) {
    return differ([`HTTP ${res.status}, expected ${check.expectStatus.join(" or ")}`], res.status);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const type = res.headers.get("content-type") ?? "no content type";
    return differ([`(root): body is not JSON (${type})`], res.status);
  }
  const parsed = check.schema.safeParse(json);
  if (!parsed.success) return differ(describeIssues(parsed.error.issues), res.status);
  const problems = check.verify?.(parsed.data, ctx) ?? [];
  if (problems.length > 0) return differ(problems, res.status);
  check.learn?.(parsed.data, ctx);
  const note = check.note?.(parsed.data, ctx);
  return {
    name: check.name,
    request,
    status: res.status,
    matched: true,
    differences: [],
    notes: note ? [note] : [],
  };
}

/** Runs every check in order (read-only GETs) and collects what matched and what differed. */
export async function runProbe(opts: ProbeOptions): Promise<ProbeReport> {
  const ctx: ProbeContext = { serviceCode: "tg", unknownActivationId: unknownCuid() };
  const results: ProbeResult[] = [];
  const checks = opts.checks ?? PROBE_CHECKS;
  for (const check of checks) {
    const result = await runCheck(check, opts, ctx);
    results.push(result);
    // Nothing answers the first call: the others would fail the same way (or each wait out the timeout).
    if (results.length === 1 && result.noAnswer !== undefined) break;
  }
  const keyRefused = results.some((r, i) => checks[i]!.withKey && (r.status === 401 || r.status === 403));
  return {
    upstream: displayUrl(opts.upstream),
    results,
    allMatched: results.length === checks.length && results.every((r) => r.matched),
    keyRefused,
    unreachable: results.length < checks.length,
    planned: checks.length,
  };
}
