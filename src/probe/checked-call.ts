import type { z } from "zod";
import { type CallSpec, type CallTarget, callUpstream, jsonOf } from "./http.js";
import { describeIssues } from "./issues.js";
import type { ProbeResult } from "./types.js";

export type Parsed<T> = { result: ProbeResult; data?: T; raw?: unknown };

/** One call (any method) checked against a schema; `data` only when it matched. */
export async function checked<T>(
  target: CallTarget,
  spec: CallSpec,
  request: string,
  expect: readonly number[],
  schema: z.ZodType<T>,
  consequence: string,
): Promise<Parsed<T>> {
  const base = { name: `${spec.method ?? "GET"} ${spec.path}`, request, notes: [] as string[] };
  const differ = (differences: string[], status?: number, raw?: unknown): Parsed<T> => ({
    result: { ...base, ...(status !== undefined && { status }), matched: false, differences, consequence },
    raw,
  });
  const answer = await callUpstream(target, spec);
  if ("noAnswer" in answer) return differ([`no answer: ${answer.noAnswer}`], answer.status);
  const body = jsonOf(answer.text);
  if (!expect.includes(answer.status)) {
    return differ([`HTTP ${answer.status}, expected ${expect.join(" or ")}`], answer.status, body?.json);
  }
  if (!body) return differ([`(root): body is not JSON (${answer.contentType})`], answer.status);
  const parsed = schema.safeParse(body.json);
  if (!parsed.success) return differ(describeIssues(parsed.error.issues), answer.status, body.json);
  return {
    result: { ...base, status: answer.status, matched: true, differences: [] },
    data: parsed.data,
    raw: body.json,
  };
}
