import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { getPath } from "hono/utils/url";
import type { Logger } from "pino";
import type { ConsoleEnv } from "../console/access.js";
import { homePageHtml, homePageText } from "./home-page.js";
import { LEGACY_PATHS, type LegacyRouteOptions, legacyHandler } from "./legacy-route.js";
import { mountV2Routes } from "./v2-route.js";

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
  /** the operator console's routes, served under `/console` (the home page mentions it) */
  console?: Hono<ConsoleEnv> | undefined;
}

/**
 * Routing sees `//stubs//handler_api.php` as `/stubs/handler_api.php`: a client that joins a base
 * URL ending in `/` with a path starting with one sends repeated slashes (docs/legacy-protocol.md §1).
 */
function routingPath(request: Request): string {
  const path = getPath(request);
  return path.includes("//") ? path.replace(/\/{2,}/g, "/") : path;
}

export function createGatewayApp(opts: GatewayAppOptions): Hono {
  const app = new Hono({ getPath: routingPath });
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

  mountV2Routes(app, opts, opts.bodyLimitBytes);

  const home = { metrics: opts.metrics !== undefined, consoleEnabled: opts.console !== undefined };
  const homeText = homePageText(home);
  const homeHtml = homePageHtml(home);
  app.get("/", (c) =>
    (c.req.header("accept") ?? "").includes("text/html")
      ? c.html(homeHtml)
      : c.text(homeText, 200, { "content-type": "text/plain; charset=utf-8" }),
  );
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    const { ready, body } = await opts.readiness();
    return c.json({ status: ready ? "ready" : "not ready", ...body }, ready ? 200 : 503);
  });
  if (opts.metrics) {
    const { contentType, render } = opts.metrics;
    app.get("/metrics", async (c) => c.body(await render(), 200, { "content-type": contentType }));
  }
  if (opts.console) app.route("/console", opts.console);
  app.notFound((c) => c.json({ error: "not found" }, 404));
  // Only reached outside the legacy paths (the legacy handler never throws).
  app.onError((err, c) => {
    opts.log.error({ err: String(err), path: c.req.path }, "unhandled error");
    return c.json({ error: "internal error" }, 500);
  });
  return app;
}
