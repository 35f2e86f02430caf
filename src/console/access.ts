import type { Context, Hono, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Asset } from "./assets.js";
import type { LoginFailures } from "./login-failures.js";
import { isLoopbackAddress, isLoopbackHost, remoteAddressOf } from "./loopback.js";
import { type ConsoleSessions, randomToken, type Session, sameSecret } from "./sessions.js";

/**
 * Who may use the console (README "Console"):
 * - with CONSOLE_TOKEN (`token`): whoever logs in with it (a form that sets an HttpOnly,
 *   SameSite=Strict session cookie), or a script sending `Authorization: Bearer <token>`;
 * - without it, only with the embedded sandbox (`loopback`): requests whose socket comes from a
 *   loopback address and that name a loopback host; everyone else gets a 404.
 * State-changing calls carry the session's CSRF token in `X-CSRF-Token` (bearer calls need none:
 * a browser never adds that header by itself).
 */
export type AccessMode = { kind: "token"; token: string } | { kind: "loopback" };

export type ConsoleAuth =
  | { kind: "loopback"; csrf: string }
  | { kind: "session"; session: Session }
  | { kind: "bearer" }
  | { kind: "none" };

export type ConsoleEnv = { Variables: { auth: ConsoleAuth } };

const COOKIE = "smsgw_console";
const CSRF_HEADER = "x-csrf-token";

export const notFound = (c: Context) => c.json({ error: "not found" }, 404);

/**
 * Wrong tokens (form or bearer) counted per socket address; `onBlocked` is told once per burst
 * (the address only: never the token tried).
 */
export interface LoginThrottle {
  failures: LoginFailures;
  onBlocked: (address: string) => void;
}

const addressOf = (c: Context) => remoteAddressOf(c) ?? "unknown";

/** 429 while the address is refused; undefined when it may try a token. */
function refusedLogin(c: Context, throttle: LoginThrottle): Response | undefined {
  const seconds = throttle.failures.retryAfterS(addressOf(c));
  if (seconds === 0) return undefined;
  return c.json({ error: "too many failed logins: try again later" }, 429, {
    "retry-after": String(seconds),
  });
}

function failedLogin(c: Context, throttle: LoginThrottle): void {
  const address = addressOf(c);
  if (throttle.failures.fail(address)) throttle.onBlocked(address);
}

/** Every console response: no framing, no caching, scripts and styles only from the gateway. */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.header(
    "content-security-policy",
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
      "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
  c.header("x-frame-options", "DENY");
  c.header("x-content-type-options", "nosniff");
  c.header("referrer-policy", "same-origin"); // no-referrer would make form posts say `Origin: null`
  c.header("cache-control", "no-store");
};

/** Decides `auth` for every console request; outside loopback in loopback mode, a 404. */
export function identify(
  mode: AccessMode,
  sessions: ConsoleSessions,
  throttle: LoginThrottle,
): MiddlewareHandler<ConsoleEnv> {
  const loopbackCsrf = randomToken();
  return async (c, next) => {
    if (mode.kind === "loopback") {
      if (!isLoopbackAddress(remoteAddressOf(c)) || !isLoopbackHost(new URL(c.req.url).hostname))
        return notFound(c);
      c.set("auth", { kind: "loopback", csrf: loopbackCsrf });
      return next();
    }
    const bearer = /^Bearer (.+)$/.exec(c.req.header("authorization") ?? "")?.[1];
    if (bearer !== undefined) {
      const refused = refusedLogin(c, throttle);
      if (refused) return refused;
    }
    if (bearer !== undefined && sameSecret(bearer, mode.token)) c.set("auth", { kind: "bearer" });
    else {
      if (bearer !== undefined) failedLogin(c, throttle);
      const session = sessions.get(getCookie(c, COOKIE));
      c.set("auth", session ? { kind: "session", session } : { kind: "none" });
    }
    return next();
  };
}

/** The data API: 401 without a session or the bearer token. */
export const requireAuthApi: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  if (c.get("auth").kind === "none") return c.json({ error: "unauthorized: log in at /console/login" }, 401);
  return next();
};

/** The page: to the login form without a session. */
export const requireAuthPage: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  if (c.get("auth").kind === "none") return c.redirect("/console/login", 303);
  return next();
};

export function csrfOf(auth: ConsoleAuth): string | undefined {
  if (auth.kind === "loopback") return auth.csrf;
  if (auth.kind === "session") return auth.session.csrf;
  return undefined;
}

/**
 * State-changing calls: the CSRF token of the session (or of the loopback console) in a header,
 * and, when the browser names an Origin, the console's own.
 */
export const requireCsrf: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  if (c.req.method === "GET" || c.req.method === "HEAD") return next();
  const auth = c.get("auth");
  if (auth.kind === "bearer") return next();
  const origin = c.req.header("origin");
  if (origin !== undefined && origin !== new URL(c.req.url).origin)
    return c.json({ error: "forbidden: cross-origin request" }, 403);
  const expected = csrfOf(auth);
  const given = c.req.header(CSRF_HEADER);
  if (expected === undefined || given === undefined || !sameSecret(given, expected))
    return c.json({ error: "forbidden: missing or wrong CSRF token" }, 403);
  return next();
};

/** `/console/login` and `/console/logout`. */
export function loginRoutes(
  app: Hono<ConsoleEnv>,
  mode: AccessMode,
  sessions: ConsoleSessions,
  loginPage: Asset,
  throttle: LoginThrottle,
): void {
  const page = (c: Context, failed: boolean) =>
    c.html(
      failed ? loginPage.body.replace('id="login-error" hidden', 'id="login-error"') : loginPage.body,
      failed ? 401 : 200,
    );
  app.get("/login", (c) =>
    mode.kind === "loopback" || c.get("auth").kind !== "none" ? c.redirect("/console", 303) : page(c, false),
  );
  app.post("/login", async (c) => {
    if (mode.kind !== "token") return notFound(c);
    const origin = c.req.header("origin");
    if (origin !== undefined && origin !== new URL(c.req.url).origin) return page(c, true);
    const refused = refusedLogin(c, throttle);
    if (refused) return refused;
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const token = typeof form.token === "string" ? form.token : "";
    if (!sameSecret(token, mode.token)) {
      failedLogin(c, throttle);
      return page(c, true);
    }
    const session = sessions.create();
    setCookie(c, COOKIE, session.id, {
      path: "/console",
      httpOnly: true,
      sameSite: "Strict",
      secure: new URL(c.req.url).protocol === "https:",
      maxAge: Math.floor((session.expiresAt - Date.now()) / 1000),
    });
    return c.redirect("/console", 303);
  });
  app.post("/logout", requireAuthApi, requireCsrf, (c) => {
    const auth = c.get("auth");
    if (auth.kind === "session") sessions.end(auth.session.id);
    deleteCookie(c, COOKIE, { path: "/console" });
    return c.redirect(mode.kind === "token" ? "/console/login" : "/console", 303);
  });
}
