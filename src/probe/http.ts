import { textAtMost } from "../common/capped-body.js";

/** The largest answer the probe reads (the gateway's UPSTREAM_MAX_BODY_BYTES default). */
const ANSWER_MAX_BYTES = 8 * 1024 * 1024;

export interface CallTarget {
  /** native API base, e.g. https://smsbulk.net/api/v1 */
  upstream: string;
  key: string;
  timeoutMs?: number;
}

export interface CallSpec {
  method?: "GET" | "POST" | "DELETE";
  path: string;
  /** send the key (x-api-key) */
  withKey: boolean;
  /** a JSON body (POST) */
  json?: unknown;
}

/** An answer (any status), or why none came (`ECONNREFUSED`, `timed out`, a body too large…). */
export type CallOutcome =
  | { status: number; text: string; contentType: string }
  | { noAnswer: string; status?: number };

/** One request to the upstream; never throws. */
export async function callUpstream(target: CallTarget, spec: CallSpec): Promise<CallOutcome> {
  const base = target.upstream.replace(/\/+$/, "");
  let res: Response;
  try {
    res = await fetch(`${base}${spec.path}`, {
      method: spec.method ?? "GET",
      headers: {
        accept: "application/json",
        ...(spec.withKey && { "x-api-key": target.key }),
        ...(spec.json !== undefined && { "content-type": "application/json" }),
      },
      ...(spec.json !== undefined && { body: JSON.stringify(spec.json) }),
      signal: AbortSignal.timeout(target.timeoutMs ?? 10_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    const name = (err as Error).name;
    return { noAnswer: name === "TimeoutError" ? "timed out" : (cause ?? name) };
  }
  try {
    const text = await textAtMost(res, ANSWER_MAX_BYTES);
    return { status: res.status, text, contentType: res.headers.get("content-type") ?? "no content type" };
  } catch (err) {
    return { noAnswer: (err as Error).message, status: res.status };
  }
}

/** The body as JSON, or undefined when it is not JSON. */
export function jsonOf(text: string): { json: unknown } | undefined {
  try {
    return { json: JSON.parse(text) };
  } catch {
    return undefined;
  }
}
