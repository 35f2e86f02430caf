import { gzipSync } from "node:zlib";
import { JSON_ANSWER } from "../common/tokens.js";

/**
 * What an action answers: a bare token (`ACCESS_NUMBER:1:7999…`), a JSON payload, or JSON already
 * serialized (memoized catalogue answers).
 */
export type LegacyAnswer = string | { json: unknown } | { jsonText: string };

const HEADERS = {
  "content-type": "text/plain; charset=utf-8",
  "x-content-type-options": "nosniff",
  vary: "Accept-Encoding",
} as const;

export function answerBody(answer: LegacyAnswer): string {
  if (typeof answer === "string") return answer;
  return "jsonText" in answer ? answer.jsonText : JSON.stringify(answer.json);
}

/** The token word of an answer, for logs and metrics (`ACCESS_NUMBER`, `JSON`). */
export function answerToken(answer: LegacyAnswer): string {
  if (typeof answer !== "string") return JSON_ANSWER;
  const colon = answer.indexOf(":");
  return colon < 0 ? answer : answer.slice(0, colon);
}

/** `Accept-Encoding` names gzip with a non-zero q (`gzip, json` from the Java client counts). */
export function acceptsGzip(header: string | undefined | null): boolean {
  if (!header) return false;
  for (const part of header.split(",")) {
    const [name, ...params] = part.trim().split(";");
    if (name?.trim().toLowerCase() !== "gzip") continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/**
 * An answer's body (`answerBody`) as the legacy route sends it: always HTTP 200, `text/plain` also
 * for JSON, no trailing newline, gzip however short the body when the client accepts it
 * (docs/legacy-protocol.md §1).
 */
export function renderAnswer(
  body: string,
  acceptEncoding: string | undefined | null,
  requestId?: string,
): Response {
  // Headers as one plain object, never mutated later: node-server then writes them directly.
  const headers: Record<string, string> = requestId
    ? { ...HEADERS, "x-request-id": requestId }
    : { ...HEADERS };
  if (acceptsGzip(acceptEncoding)) {
    headers["content-encoding"] = "gzip";
    return new Response(gzipSync(body), { status: 200, headers });
  }
  return new Response(body, { status: 200, headers });
}
