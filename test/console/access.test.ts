import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AssembledGateway } from "../../src/gateway/start.js";
import { assembleConsoleGateway, fromAddress } from "../helpers/console.js";
import { capturedLog } from "../helpers/log-lines.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

/**
 * Who may open the console (README "Console"), decided at the adapter: the socket's remote address
 * (never X-Forwarded-For), the Host a loopback console is asked for, CONSOLE_TOKEN with a session
 * cookie or a bearer header, and CSRF tokens on state-changing calls.
 */
const PATHS = [
  "/console",
  "/console/",
  "/console/login",
  "/console/assets/console.js",
  "/console/api/session",
  "/console/api/requests",
  "/console/api/activations",
  "/console/api/stats",
  "/console/api/stream",
];
const LOOPBACK = "http://127.0.0.1:8080";
const TOKEN = "console-token-for-tests-0123456789";

const request = (gw: AssembledGateway, path: string, init: RequestInit = {}, address = "127.0.0.1") =>
  gw.app.request(`${LOOPBACK}${path}`, init, fromAddress(address));

describe("without CONSOLE_TOKEN, with the embedded sandbox: loopback only", () => {
  let gw: AssembledGateway;
  beforeAll(async () => {
    gw = await assembleConsoleGateway();
  });
  afterAll(() => gw.close());

  it("serves the page and its data to a loopback socket (IPv4, IPv6, IPv4-mapped)", async () => {
    for (const address of ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"]) {
      const page = await request(gw, "/console", {}, address);
      expect(page.status, address).toBe(200);
      expect(await page.text()).toContain("Gateway console");
    }
    const slash = await request(gw, "/console/");
    expect([slash.status, slash.headers.get("location")]).toEqual([308, "/console"]);
    const session = await (await request(gw, "/console/api/session")).json();
    expect(session).toMatchObject({ auth: "loopback", sandbox: true, csrf: expect.any(String) });
  });

  it("answers 404 to anything under /console from a non-loopback socket", async () => {
    for (const path of PATHS) {
      const res = await request(gw, path, {}, "203.0.113.7");
      expect(res.status, path).toBe(404);
      expect(await res.json()).toEqual({ error: "not found" });
    }
    const post = await request(gw, "/console/api/sandbox/faults", { method: "POST", body: "{}" }, "10.0.0.5");
    expect(post.status).toBe(404);
  });

  it("X-Forwarded-For and Forwarded never make a request loopback", async () => {
    const headers = { "x-forwarded-for": "127.0.0.1", forwarded: "for=127.0.0.1", "x-real-ip": "127.0.0.1" };
    for (const path of PATHS)
      expect((await request(gw, path, { headers }, "203.0.113.7")).status, path).toBe(404);
  });

  it("a request without a socket (no adapter) is not loopback either", async () => {
    expect((await gw.app.request(`${LOOPBACK}/console`)).status).toBe(404);
  });

  it("a loopback socket asking for another host name (DNS rebinding) gets 404", async () => {
    const res = await gw.app.request("http://evil.example:8080/console", {}, fromAddress("127.0.0.1"));
    expect(res.status).toBe(404);
    const local = await gw.app.request("http://localhost:8080/console", {}, fromAddress("127.0.0.1"));
    expect(local.status).toBe(200);
  });

  it("state-changing calls need the CSRF token (and a same-origin Origin when one is sent)", async () => {
    const { csrf } = (await (await request(gw, "/console/api/session")).json()) as { csrf: string };
    const faults = (headers: Record<string, string>) =>
      request(gw, "/console/api/sandbox/faults", {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ preset: "clear" }),
      });
    expect((await faults({})).status).toBe(403);
    expect((await faults({ "x-csrf-token": "wrong" })).status).toBe(403);
    expect((await faults({ "x-csrf-token": csrf, origin: "http://evil.example" })).status).toBe(403);
    expect((await faults({ "x-csrf-token": csrf, origin: LOOPBACK })).status).toBe(200);
    expect((await faults({ "x-csrf-token": csrf })).status).toBe(200);
  });

  it("sends headers that keep the page out of frames and caches", async () => {
    const res = await request(gw, "/console");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("the home page links the console", async () => {
    const res = await gw.app.request(`${LOOPBACK}/`, {}, fromAddress("127.0.0.1"));
    expect(await res.text()).toMatch(/console: +\/console/);
  });
});

describe("CONSOLE=off", () => {
  it("turns the console off even with the embedded sandbox", async () => {
    const gw = await assembleConsoleGateway({ env: { CONSOLE: "off" } });
    try {
      expect(gw.console).toBeUndefined();
      for (const path of PATHS) expect((await request(gw, path)).status, path).toBe(404);
      expect(gw.deps.events.listening("request")).toBe(false); // nothing is recorded
    } finally {
      await gw.close();
    }
  });
});

describe("with a real upstream (UPSTREAM_URL)", () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox({ clock: "real", config: { autoSms: false } });
  });
  afterAll(() => sb.close());

  it("and no token, the console is off (404 even from loopback) and nothing is recorded", async () => {
    const gw = await assembleConsoleGateway({ upstreamUrl: sb.baseUrl });
    try {
      for (const path of PATHS) expect((await request(gw, path)).status, path).toBe(404);
      expect(gw.deps.events.listening("request")).toBe(false);
      expect(await (await gw.app.request(`${LOOPBACK}/`)).text()).not.toContain("/console");
    } finally {
      await gw.close();
    }
  });

  it("with CONSOLE_TOKEN: login, session cookie, bearer, CSRF; sandbox controls when GET /sandbox answers", async () => {
    const gw = await assembleConsoleGateway({ upstreamUrl: sb.baseUrl, env: { CONSOLE_TOKEN: TOKEN } });
    try {
      // from anywhere, but only with the token
      const page = await request(gw, "/console", {}, "203.0.113.7");
      expect(page.status).toBe(303);
      expect(page.headers.get("location")).toBe("/console/login");
      expect((await request(gw, "/console/login", {}, "203.0.113.7")).status).toBe(200);
      for (const path of PATHS.filter((p) => p.startsWith("/console/api/")))
        expect((await request(gw, path, {}, "203.0.113.7")).status, path).toBe(401);

      const login = (token: string) =>
        request(gw, "/console/login", {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ token }).toString(),
        });
      const wrong = await login(`${TOKEN}x`);
      expect(wrong.status).toBe(401);
      expect(await wrong.text()).toContain('id="login-error"');
      expect(wrong.headers.get("set-cookie")).toBeNull();
      expect((await login("")).status).toBe(401);

      const ok = await login(TOKEN);
      expect(ok.status).toBe(303);
      expect(ok.headers.get("location")).toBe("/console");
      const cookie = ok.headers.get("set-cookie") ?? "";
      expect(cookie).toMatch(/^smsgw_console=[\w-]{20,};/);
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      expect(cookie).toMatch(/Path=\/console/);
      expect(cookie).not.toContain(TOKEN);
      const session = { cookie: cookie.split(";")[0]! };

      expect((await request(gw, "/console", { headers: session })).status).toBe(200);
      const me = (await (await request(gw, "/console/api/session", { headers: session })).json()) as {
        csrf: string;
      };
      expect(me).toMatchObject({ auth: "session", sandbox: true });
      expect(JSON.stringify(me)).not.toContain(TOKEN);

      const faults = (headers: Record<string, string>) =>
        request(gw, "/console/api/sandbox/faults", {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({ preset: "clear" }),
        });
      expect((await faults(session)).status).toBe(403);
      expect((await faults({ ...session, "x-csrf-token": "nope" })).status).toBe(403);
      expect((await faults({ ...session, "x-csrf-token": me.csrf })).status).toBe(200);

      // scripts: a bearer header, no cookie and no CSRF token needed
      const bearer = { authorization: `Bearer ${TOKEN}` };
      expect((await request(gw, "/console/api/requests", { headers: bearer })).status).toBe(200);
      expect((await faults(bearer)).status).toBe(200);
      expect(
        (await request(gw, "/console/api/requests", { headers: { authorization: "Bearer nope" } })).status,
      ).toBe(401);

      // logging out ends the session
      const out = await request(gw, "/console/logout", {
        method: "POST",
        headers: { ...session, "x-csrf-token": me.csrf },
      });
      expect(out.status).toBe(303);
      expect((await request(gw, "/console/api/requests", { headers: session })).status).toBe(401);
    } finally {
      await gw.close();
    }
  });
});

describe("wrong console tokens from one address", () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox({ clock: "real", config: { autoSms: false } });
  });
  afterAll(() => sb.close());

  const wrongLogin = (gw: AssembledGateway, address: string, token: string) =>
    request(
      gw,
      "/console/login",
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token }).toString(),
      },
      address,
    );
  const bearerCall = (gw: AssembledGateway, address: string, token: string) =>
    request(gw, "/console/api/requests", { headers: { authorization: `Bearer ${token}` } }, address);

  it("are refused with 429 and Retry-After after 10 in a minute, logged once without the token; other addresses unaffected", async () => {
    const captured = capturedLog("warn");
    const gw = await assembleConsoleGateway({
      upstreamUrl: sb.baseUrl,
      env: { CONSOLE_TOKEN: TOKEN },
      log: captured.log,
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) {
        const tried = `wrong-token-number-${i}-abcdef`;
        const res = await (i % 2 === 0
          ? wrongLogin(gw, "203.0.113.9", tried)
          : bearerCall(gw, "203.0.113.9", tried));
        statuses.push(res.status);
        if (res.status === 429) expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      }
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(20);
      expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
      // the right token from the refused address waits too; from another address it works
      expect((await bearerCall(gw, "203.0.113.9", TOKEN)).status).toBe(429);
      expect((await bearerCall(gw, "198.51.100.4", TOKEN)).status).toBe(200);
      expect((await wrongLogin(gw, "198.51.100.4", TOKEN)).status).toBe(303);

      const warnings = captured.lines.filter((l) => l.address === "203.0.113.9");
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ level: 40 });
      expect(captured.text()).not.toContain("wrong-token-number");
      expect(captured.text()).not.toContain(TOKEN);
    } finally {
      await gw.close();
    }
  });
});
