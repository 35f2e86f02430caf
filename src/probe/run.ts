import { randomBytes } from "node:crypto";
import { PROBE_CHECKS } from "./checks.js";
import { type EmailOrder, probeEmailPurchase } from "./email-buy.js";
import { EMAIL_SITE } from "./email-checks.js";
import { callUpstream, jsonOf } from "./http.js";
import { describeIssues } from "./issues.js";
import type { ProbeCheck, ProbeContext, ProbeResult } from "./types.js";

export type { ProbeResult };

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
  /** `--buy-email`: after the read-only checks, buy one mailbox within the cap and cancel it */
  buyEmail?: EmailOrder;
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
  const differ = (differences: string[], status?: number): ProbeResult => ({
    name: check.name,
    request,
    ...(status !== undefined && { status }),
    matched: false,
    differences,
    notes: [],
    consequence: check.consequence,
  });

  const answer = await callUpstream(opts, { path, withKey: check.withKey });
  if ("noAnswer" in answer) {
    return { ...differ([`no answer: ${answer.noAnswer}`], answer.status), noAnswer: answer.noAnswer };
  }
  if (!check.expectStatus.includes(answer.status)) {
    return differ([`HTTP ${answer.status}, expected ${check.expectStatus.join(" or ")}`], answer.status);
  }
  const body = jsonOf(answer.text);
  if (!body) return differ([`(root): body is not JSON (${answer.contentType})`], answer.status);
  const parsed = check.schema.safeParse(body.json);
  if (!parsed.success) return differ(describeIssues(parsed.error.issues), answer.status);
  const problems = check.verify?.(parsed.data, ctx) ?? [];
  if (problems.length > 0) return differ(problems, answer.status);
  check.learn?.(parsed.data, ctx);
  const note = check.note?.(parsed.data, ctx);
  return {
    name: check.name,
    request,
    status: answer.status,
    matched: true,
    differences: [],
    notes: note ? [note] : [],
  };
}

/** Runs every check in order (read-only GETs) and collects what matched and what differed. */
export async function runProbe(opts: ProbeOptions): Promise<ProbeReport> {
  const ctx: ProbeContext = {
    serviceCode: "tg",
    unknownActivationId: unknownCuid(),
    emailSite: opts.buyEmail?.site ?? EMAIL_SITE,
  };
  const results: ProbeResult[] = [];
  const checks = opts.checks ?? PROBE_CHECKS;
  for (const check of checks) {
    const result = await runCheck(check, opts, ctx);
    results.push(result);
    // Nothing answers the first call: the others would fail the same way (or each wait out the timeout).
    if (results.length === 1 && result.noAnswer !== undefined) break;
  }
  const keyRefused = results.some((r, i) => checks[i]!.withKey && (r.status === 401 || r.status === 403));
  const unreachable = results.length < checks.length;
  if (opts.buyEmail && !unreachable && !keyRefused) {
    results.push(...(await probeEmailPurchase(opts, opts.buyEmail)));
  }
  return {
    upstream: displayUrl(opts.upstream),
    results,
    allMatched: !unreachable && results.every((r) => r.matched),
    keyRefused,
    unreachable,
    planned: checks.length,
  };
}
