import { Hono } from "hono";
import {
  type AccessMode,
  type ConsoleEnv,
  identify,
  type LoginThrottle,
  loginRoutes,
  notFound,
  requireAuthApi,
  requireAuthPage,
  requireCsrf,
  securityHeaders,
} from "./access.js";
import { dataRoutes } from "./api.js";
import { type Asset, type AssetName, isAssetName } from "./assets.js";
import type { ConsoleData } from "./data.js";
import { type SandboxActionDeps, sandboxRoutes } from "./sandbox-actions.js";
import type { ConsoleSessions } from "./sessions.js";
import { type ConsoleStreams, streamRoute } from "./stream.js";

export interface ConsoleRouteDeps {
  mode: AccessMode;
  sessions: ConsoleSessions;
  throttle: LoginThrottle;
  assets: Record<AssetName, Asset>;
  data: ConsoleData;
  streams: ConsoleStreams;
  sandbox: SandboxActionDeps | undefined;
}

/** Everything under `/console` (mounted there by the gateway app). */
export function consoleRoutes(deps: ConsoleRouteDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  app.use("*", securityHeaders);
  app.use("*", identify(deps.mode, deps.sessions, deps.throttle));
  loginRoutes(app, deps.mode, deps.sessions, deps.assets["login.html"], deps.throttle);

  // The page's code and styles hold no data: the login form needs the styles before a session.
  app.get("/assets/:name", (c) => {
    const name = c.req.param("name");
    if (!isAssetName(name) || name.endsWith(".html")) return notFound(c);
    const asset = deps.assets[name];
    return c.body(asset.body, 200, { "content-type": asset.type });
  });
  const index = deps.assets["index.html"];
  app.get("/", requireAuthPage, (c) => c.html(index.body));
  app.get("/index.html", requireAuthPage, (c) => c.redirect("/console", 303));

  app.use("/api/*", requireAuthApi, requireCsrf);
  dataRoutes(app, deps.data, deps.sandbox !== undefined);
  streamRoute(app, deps.data, deps.streams);
  sandboxRoutes(app, deps.sandbox);
  app.all("*", (c) =>
    c.req.method === "GET" && /^\/+console\/+$/.test(c.req.path) ? c.redirect("/console", 308) : notFound(c),
  );
  return app;
}
