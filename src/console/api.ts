import type { Hono } from "hono";
import { z } from "zod";
import type { ConsoleEnv } from "./access.js";
import { csrfOf } from "./access.js";
import type { ConsoleData } from "./data.js";
import { PRESET_LIST } from "./fault-presets.js";
import { REQUEST_RING } from "./recorder.js";
import { TOKEN_CLASSES } from "./token-class.js";
import type { SessionInfo } from "./views.js";

/**
 * The console's JSON data API (README "Console"), read by the page and by scripts:
 * `GET /console/api/requests`, `/activations`, `/stats`, `/session`. Nothing in it carries a key.
 */
const requestsQuery = z.object({
  key: z.string().max(64).optional(),
  action: z.string().max(64).optional(),
  class: z.enum(TOKEN_CLASSES as [string, ...string[]]).optional(),
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(REQUEST_RING).default(100),
});

export function dataRoutes(app: Hono<ConsoleEnv>, data: ConsoleData, sandbox: boolean): void {
  app.get("/api/session", (c) => {
    const auth = c.get("auth");
    return c.json({
      auth: auth.kind,
      csrf: csrfOf(auth) ?? null,
      sandbox,
      presets: sandbox ? PRESET_LIST : [],
    } satisfies SessionInfo);
  });

  app.get("/api/requests", (c) => {
    const query = requestsQuery.safeParse(c.req.query());
    if (!query.success)
      return c.json({ error: "bad query", issues: query.error.issues.map((i) => i.message) }, 400);
    const { class: cls, ...rest } = query.data;
    data.recorder.fold();
    return c.json({
      seq: data.recorder.requests.seq,
      requests: data.requests({ ...rest, class: cls as (typeof TOKEN_CLASSES)[number] | undefined }),
    });
  });

  app.get("/api/activations", async (c) => {
    data.recorder.fold();
    const live = c.req.query("live");
    const rows = await data.activations();
    return c.json({ activations: live === "1" || live === "true" ? rows.filter((r) => r.live) : rows });
  });

  app.get("/api/stats", (c) => {
    data.recorder.fold();
    return c.json(data.stats());
  });
}
