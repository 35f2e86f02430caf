import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addKey, emptyKeyFile, writeKeyFile } from "../../src/keys/key-file.js";
import {
  DESKTOP,
  launchBrowser,
  PHONE,
  phoneShot,
  shot,
  type TestBrowser,
  visibleText,
  WAIT,
} from "../helpers/browser.js";
import { type ConsoleGateway, startConsoleGateway } from "../helpers/console.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

/**
 * The console with CONSOLE_TOKEN, in front of a sandbox reached by UPSTREAM_URL (found by its
 * `GET /sandbox`), with gateway keys (KEYS_FILE): the login form refuses a wrong token, the data API
 * answers 401 without the session cookie, state-changing calls need the CSRF token, keys show by
 * their label, and no key (gateway or upstream) is ever in the page, the event stream or the API.
 */
const TOKEN = "console-login-token-4f9c2e7a1b";
const UPSTREAM_KEY = "SENTINELupstream_key_login_91d2";

let sb: TestSandbox;
let gw: ConsoleGateway;
let browser: TestBrowser;
let page: Page;
let gatewayKey: string;

beforeAll(async () => {
  sb = await startTestSandbox({
    clock: "real",
    config: { autoSms: false, accounts: [{ apiKey: UPSTREAM_KEY, balance: "50.00" }] },
  });
  const file = join(mkdtempSync(join(tmpdir(), "console-keys-")), "keys.json");
  const added = addKey(emptyKeyFile(), { upstreamKey: UPSTREAM_KEY, label: "bot A" });
  gatewayKey = added.gatewayKey;
  writeKeyFile(file, added.file);
  gw = await startConsoleGateway({ upstreamUrl: sb.baseUrl, env: { CONSOLE_TOKEN: TOKEN, KEYS_FILE: file } });
  browser = await launchBrowser();
  page = await browser.page(DESKTOP);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gw?.close();
  await sb?.close();
});

const cookieHeader = async () =>
  (await browser.context.cookies(`${gw.url}/console`)).map((c) => `${c.name}=${c.value}`).join("; ");

describe("logging in with CONSOLE_TOKEN", () => {
  it("the console sends a browser without a session to the login form", async () => {
    await page.goto(`${gw.url}/console`);
    expect(new URL(page.url()).pathname).toBe("/console/login");
    expect(await page.getByLabel("Console token").count()).toBe(1);
    await shot(page, "06-login-desktop");
    const phone = await browser.page(PHONE);
    await phone.goto(`${gw.url}/console`);
    await shot(phone, "06-login-phone");
    await phone.close();
  });

  it("a wrong token is refused (401, no cookie)", async () => {
    await page.getByLabel("Console token").fill(`${TOKEN}-wrong`);
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/console/login") && r.request().method() === "POST"),
      page.getByRole("button", { name: "Log in" }).click(),
    ]);
    expect(answer.status()).toBe(401);
    await page.locator("#login-error").waitFor(WAIT);
    expect(await visibleText(page.locator("#login-error"))).toBe("Wrong token.");
    expect(await browser.context.cookies()).toEqual([]);
    await shot(page, "07-login-refused-desktop");
  });

  it("the data API answers 401 without the session cookie", async () => {
    for (const path of ["requests", "activations", "stats", "session", "stream"]) {
      const res = await fetch(`${gw.url}/console/api/${path}`);
      expect(res.status, path).toBe(401);
    }
  });

  it("the right token opens the console; the cookie is HttpOnly and SameSite=Strict", async () => {
    await page.getByLabel("Console token").fill(TOKEN);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${gw.url}/console`, WAIT);
    await page.locator("#conn.live").waitFor(WAIT);
    const [cookie] = await browser.context.cookies(`${gw.url}/console`);
    expect(cookie).toMatchObject({
      name: "smsgw_console",
      httpOnly: true,
      sameSite: "Strict",
      path: "/console",
    });
    expect(await page.evaluate("document.cookie")).toBe(""); // not readable by scripts
    expect(await page.getByRole("button", { name: "Log out" }).isVisible()).toBe(true);
    expect(await page.locator("#sandbox-panel").isVisible()).toBe(true); // UPSTREAM_URL answered GET /sandbox
  });

  it("a state-changing call without the CSRF token is refused, with it accepted", async () => {
    const cookie = await cookieHeader();
    const faults = (headers: Record<string, string>) =>
      fetch(`${gw.url}/console/api/sandbox/faults`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json", ...headers },
        body: JSON.stringify({ preset: "clear" }),
      });
    expect((await faults({})).status).toBe(403);
    expect((await faults({ "x-csrf-token": "not-the-token" })).status).toBe(403);
    const { csrf } = (await (
      await fetch(`${gw.url}/console/api/session`, { headers: { cookie } })
    ).json()) as {
      csrf: string;
    };
    expect((await faults({ "x-csrf-token": csrf })).status).toBe(200);
  });

  it("shows the gateway key by its label, and never a key: page, stream, data API, sandbox answers", async () => {
    const legacy = (params: Record<string, string>) => gw.call({ api_key: gatewayKey, ...params });
    const bought = await legacy({ action: "getNumber", service: "tg", country: "62" });
    const id = /^ACCESS_NUMBER:(\d+):/.exec(bought)?.[1];
    expect(id).toBeDefined();
    await legacy({ action: "getStatus", id: id! });
    await legacy({ action: "getBalance" });
    await expect.poll(() => visibleText(page.locator("#traffic tbody")), WAIT).toMatch(/bot A\s+getNumber/);
    await expect.poll(() => visibleText(page.locator("#keys tbody")), WAIT).toMatch(/bot A/);

    // top up that key's upstream account from the page: the console finds the key itself
    await page.getByLabel("Key to top up").selectOption({ label: "bot A" });
    await page.getByRole("button", { name: "Top up" }).click();
    await expect
      .poll(() => visibleText(page.locator("#sandbox-status")), WAIT)
      .toMatch(/Topped up bot A: balance 59\.40 USD/);
    // a new account, named by a key typed into the page: the answer does not repeat it
    await page.getByLabel("New account's api key").fill("SENTINELnew_account_key_77");
    await page.getByRole("button", { name: "Create or reset account" }).click();
    await expect
      .poll(() => visibleText(page.locator("#sandbox-status")), WAIT)
      .toMatch(/Account created: balance 100\.00 USD/);
    expect(await page.getByLabel("New account's api key").inputValue()).toBe("");

    await page.evaluate("window.scrollTo(0, 0)");
    await shot(page, "08-logged-in-desktop");
    await phoneShot(browser, `${gw.url}/console`, "08-logged-in-phone");

    const secrets = [gatewayKey, UPSTREAM_KEY, "SENTINELnew_account_key_77", TOKEN];
    const html = await page.content();
    for (const secret of secrets) expect(html).not.toContain(secret);

    const cookie = await cookieHeader();
    for (const path of ["requests?limit=1000", "activations", "stats", "session", "sandbox"]) {
      const text = await (await fetch(`${gw.url}/console/api/${path}`, { headers: { cookie } })).text();
      expect(text).toContain("{");
      for (const secret of secrets) expect(text, path).not.toContain(secret);
    }
    const stream = await fetch(`${gw.url}/console/api/stream`, { headers: { cookie } });
    expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = stream.body!.getReader();
    let seen = "";
    while (!seen.includes("getBalance")) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    await reader.cancel();
    expect(seen).toContain("bot A");
    for (const secret of secrets) expect(seen).not.toContain(secret);
    expect(browser.errors).toEqual([]);
  });

  it("logging out ends the session", async () => {
    await page.getByRole("button", { name: "Log out" }).click();
    await page.waitForURL(`${gw.url}/console/login`, WAIT);
    const res = await fetch(`${gw.url}/console/api/requests`, { headers: { cookie: await cookieHeader() } });
    expect(res.status).toBe(401);
  });
});
