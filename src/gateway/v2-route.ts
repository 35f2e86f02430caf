import type { Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { v2Error } from "../legacy/mailbox-render.js";
import { parseUrlEncoded, queryStringOf } from "../legacy/request.js";
import { V2_ACTIONS } from "../legacy/router.js";
import { header, type LegacyRouteOptions, legacyHandler, type ProtocolIO } from "./legacy-route.js";

/** SMS-Activate's V2 email API (docs/legacy-protocol.md §9), under this prefix. */
export const V2_PREFIX = "/api/v2";

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" } as const;

/** Scalars of a JSON object body, as parameters (the body wins over the query, as on the legacy route). */
async function jsonParams(c: Context): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (c.req.method !== "POST" || !(header(c, "content-type") ?? "").includes("json")) return out;
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    return out; // not JSON: the query's parameters alone (a missing site is then BAD_SITE)
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) return out;
  for (const [name, value] of Object.entries(body)) {
    if (typeof value === "string" || typeof value === "number") out.set(name, String(value));
  }
  return out;
}

/** One route's protocol: its action, the key from `X-API-Key`, the answer as JSON with its status. */
function v2IO(action: string, createdStatus = 200): ProtocolIO {
  return {
    name: "v2 request",
    async params(c) {
      const params = parseUrlEncoded(queryStringOf(c.req.url));
      for (const [name, value] of await jsonParams(c)) params.set(name, value);
      const id = c.req.param("id");
      if (id !== undefined) params.set("id", id);
      params.set("action", action);
      const key = header(c, "x-api-key") ?? "";
      if (key === "") params.delete("api_key");
      else params.set("api_key", key);
      return params;
    },
    respond(_c, answer, body, requestId) {
      const headers = { ...JSON_HEADERS, "x-request-id": requestId };
      if (typeof answer !== "string") return new Response(body, { status: createdStatus, headers });
      const error = v2Error(answer);
      return new Response(JSON.stringify(error.body), { status: error.status, headers });
    },
  };
}

/** Mounts the V2 routes; other methods on them are 405, other paths under the prefix 404, as JSON. */
export function mountV2Routes(app: Hono, opts: LegacyRouteOptions, bodyLimitBytes: number): void {
  const v2 = { ...opts, actions: V2_ACTIONS };
  const handle = (action: string, status?: number) => legacyHandler(v2, v2IO(action, status));
  const limit = bodyLimit({
    maxSize: bodyLimitBytes,
    onError: (c) => c.json({ title: "REQUEST_TOO_LARGE", details: "The body is too large" }, 413),
  });
  const routes: [method: "GET" | "POST" | "DELETE", path: string, action: string, status?: number][] = [
    ["GET", "/emails/domains", "v2.domains"],
    ["GET", "/domains", "v2.domains"],
    ["POST", "/emails/batch", "v2.buyBatch", 201],
    ["POST", "/emails", "v2.buy", 201],
    ["GET", "/emails", "v2.list"],
    ["GET", "/emails/:id", "v2.get"],
    ["DELETE", "/emails/:id", "v2.cancel"],
    ["POST", "/emails/:id/reorder", "v2.reorder"],
  ];
  for (const [method, path, action, status] of routes) {
    const full = `${V2_PREFIX}${path}`;
    if (method === "POST") app.on(method, full, limit, handle(action, status));
    else app.on(method, full, handle(action, status));
  }
  const notAllowed = (c: Context) =>
    c.json({ title: "METHOD_NOT_ALLOWED", details: `${c.req.method} is not allowed here` }, 405);
  for (const path of new Set(routes.map(([, p]) => p))) app.all(`${V2_PREFIX}${path}`, notAllowed);
  app.all(`${V2_PREFIX}/*`, (c) => c.json({ title: "NOT_FOUND", details: "No such route" }, 404));
}
