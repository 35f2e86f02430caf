import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Logger } from "pino";
import { LEGACY_PATHS, type LegacyRouteOptions, legacyHandler } from "./legacy-route.js";

export interface Readiness {
  /** 503 when false: only the gateway's own dependencies count (docs/architecture.md decision 6) */
  ready: boolean;
  body: Record<string, unknown>;
}

export interface GatewayAppOptions extends LegacyRouteOptions {
  log: Logger;
  bodyLimitBytes: number;
  readiness: () => Promise<Readiness>;
  metrics?: { contentType: string; render: () => Promise<string> };
}

export function createGatewayApp(opts: GatewayAppOptions): Hono {
  const app = new Hono();
  const legacy = legacyHandler(opts);
  const limit = bodyLimit({
    maxSize: opts.bodyLimitBytes,
    onError: (c) => c.text("REQUEST_TOO_LARGE", 413, { "content-type": "text/plain; charset=utf-8" }),
  });
  // Only POST bodies are read (other methods are answered as a GET), so only they can be too large.
  for (const path of LEGACY_PATHS) {
    app.post(path, limit, legacy);
    app.all(path, legacy);
  }

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    const { ready, body } = await opts.readiness();
    return c.json({ status: ready ? "ready" : "not ready", ...body }, ready ? 200 : 503);
  });
  if (opts.metrics) {
    const { contentType, render } = opts.metrics;
    app.get("/metrics", async (c) => c.body(await render(), 200, { "content-type": contentType }));
  }
  app.notFound((c) => c.json({ error: "not found" }, 404));
  // Only reached outside the legacy paths (the legacy handler never throws).
  app.onError((err, c) => {
    opts.log.error({ err: String(err), path: c.req.path }, "unhandled error");
    return c.json({ error: "internal error" }, 500);
  });
  return app;
}
