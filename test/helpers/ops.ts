/**
 * HTTP helpers for the operational end-to-end tests (`test/e2e/ops-*.test.ts`): plain requests
 * without keep-alive, answers as text, and the sandbox's native request counters. The processes
 * themselves come from `process.ts`; waiting from `wait.ts`.
 */

import { rawRequest } from "./gateway.js";

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request on a fresh connection (no keep-alive); rejects on a connection error. */
export async function httpCall(
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const res = await rawRequest(url, o);
  return { status: res.status, headers: res.headers, body: res.body.toString("utf8") };
}

/** GET the legacy endpoint with these parameters. */
export function legacy(legacyUrl: string, params: Record<string, string>): Promise<Answer> {
  return httpCall(`${legacyUrl}?${new URLSearchParams(params)}`);
}

/** Non-empty lines of a process's output. */
export const linesOf = (text: string) => text.split("\n").filter((l) => l.trim() !== "");

/** Sum of the sandbox's request counters for the native API (`/api/v1/…`), control routes excluded. */
export function upstreamRequests(requests: Record<string, number>): number {
  return Object.entries(requests)
    .filter(([route]) => route.includes(" /api/v1"))
    .reduce((sum, [, n]) => sum + n, 0);
}
