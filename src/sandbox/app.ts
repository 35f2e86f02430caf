import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import pino from "pino";
import { type Clock, realClock } from "./clock.js";
import type { SandboxConfig } from "./config.js";
import { errorBody, HttpError, jsonError } from "./errors.js";
import { ALREADY_SENT_HEADER, faultInjection } from "./fault-middleware.js";
import { routeKey } from "./route-key.js";
import { activationRoutes } from "./routes/activations.js";
import { catalogRoutes } from "./routes/catalog.js";
import { controlRoutes } from "./routes/control.js";
import { emailActivationRoutes } from "./routes/email-activations.js";
import { emailControlRoutes } from "./routes/email-control.js";
import { walletRoutes } from "./routes/wallet.js";
import { createSandboxState, type SandboxEnv, type SandboxState } from "./state.js";

const API_PREFIX = "/api/v1";
const CONTROL_PREFIX = "/sandbox";
const MAX_BODY_BYTES = 1024 * 1024;

export interface SandboxAppOptions {
  clock?: Clock;
  logger?: pino.Logger;
  random?: () => number;
}

export interface SandboxApp {
  app: Hono<SandboxEnv>;
  /** The instance's state, for embedding and white-box tests. */
  state: SandboxState;
  /** Clears every pending SMS/expiry timer and answers every catalogue watcher. */
  close(): void;
}

export function createSandboxApp(config: SandboxConfig, opts: SandboxAppOptions = {}): SandboxApp {
  const state = createSandboxState(config, {
    clock: opts.clock ?? realClock,
    logger: opts.logger ?? pino({ level: "silent" }),
    random: opts.random ?? Math.random,
  });
  const { clock, logger, stats } = state;
  const app = new Hono<SandboxEnv>();

  app.use("*", async (c, next) => {
    const started = performance.now();
    stats.countRequest(routeKey(c));
    await next();
    // Real servers send Date; ours comes from the sandbox clock so it agrees with the timestamps we print.
    if (!c.res.headers.has(ALREADY_SENT_HEADER))
      c.res.headers.set("Date", new Date(clock.now()).toUTCString());
    logger.debug(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      "request",
    );
  });

  app.use(
    "*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => jsonError(c, 413, `Request body exceeds ${MAX_BODY_BYTES} bytes`),
    }),
  );
  app.use(`${API_PREFIX}/*`, faultInjection(state));

  app.route(API_PREFIX, catalogRoutes(state));
  app.route(API_PREFIX, activationRoutes(state));
  app.route(API_PREFIX, emailActivationRoutes(state));
  app.route(API_PREFIX, walletRoutes(state));
  app.route(CONTROL_PREFIX, controlRoutes(state));
  app.route(CONTROL_PREFIX, emailControlRoutes(state));

  app.notFound((c) => jsonError(c, 404, `Cannot ${c.req.method} ${c.req.path}`));

  app.onError((err, c) => {
    if (err instanceof HttpError) {
      for (const [name, value] of Object.entries(err.headers)) c.header(name, value);
      return c.json(errorBody(err.status, err.body), err.status);
    }
    logger.error({ err, method: c.req.method, path: c.req.path }, "unhandled error");
    return c.json(errorBody(500, "Internal server error"), 500);
  });

  return {
    app,
    state,
    close: () => {
      state.activations.close();
      state.emailActivations.close();
      state.catalogWatch.close();
    },
  };
}
