import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Bot, startBot } from "../helpers/bot.js";
import {
  DESKTOP,
  launchBrowser,
  phoneShot as phoneShotOf,
  shot,
  type TestBrowser,
  visibleText,
  WAIT,
} from "../helpers/browser.js";
import { type ConsoleGateway, startConsoleGateway } from "../helpers/console.js";

/**
 * The console in a real browser, in front of the embedded sandbox (loopback, no token): a bot's
 * requests appear with their native calls, "Deliver SMS" reaches the activation panel and the bot,
 * the "20 % 500s" preset shows upstream failures in the traffic panel and the chart. The key is
 * distinctive so that a test can tell it never reaches the page.
 */
const KEY = "SENTINELkey_console_live_7f3a9";

let gw: ConsoleGateway;
let browser: TestBrowser;
let page: Page;
let bot: Bot | undefined;

beforeAll(async () => {
  gw = await startConsoleGateway({
    sandboxEnv: { SANDBOX_ACCOUNTS: `${KEY}:100.00`, SANDBOX_AUTO_SMS: "false" },
  });
  browser = await launchBrowser();
  page = await browser.page(DESKTOP);
}, 60_000);

afterAll(async () => {
  await bot?.stop();
  await browser?.close();
  await gw?.close();
});

const trafficText = () => visibleText(page.locator("#traffic tbody"));
const phoneShot = (name: string) => phoneShotOf(browser, `${gw.url}/console`, name, true);

describe("the console follows a bot live", () => {
  it("opens with empty panels and the sandbox controls", async () => {
    await page.goto(`${gw.url}/console`);
    await page.locator("#conn.live").waitFor(WAIT);
    expect(await page.locator("#sandbox-panel").isVisible()).toBe(true);
    expect(await page.locator("#traffic-empty").isVisible()).toBe(true);
    const labels = ["Key", "Action", "Answer", "live only", "Activation", "SMS text", "Service", "Country"];
    labels.push("Price", "Stock", "Key to top up", "Amount", "New account's api key", "Balance");
    for (const label of labels) expect(await page.getByLabel(label, { exact: true }).count(), label).toBe(1);
    await shot(page, "01-empty-desktop");
  });

  it("shows the bot's requests, newest first, with the native calls they made", async () => {
    bot = startBot((p) => gw.call(p), { api_key: KEY, service: "tg", country: "62" });
    await expect.poll(trafficText, WAIT).toMatch(/getNumber[\s\S]*POST \/activations 201/);
    await expect.poll(trafficText, WAIT).toMatch(/getStatus/);
    await expect.poll(trafficText, WAIT).toMatch(/GET \/wallet\/balance 200/);
    await expect.poll(trafficText, WAIT).toMatch(/from tracker/);
    const first = page.locator("#traffic tbody tr").first();
    expect(Number(await first.getAttribute("data-seq"))).toBeGreaterThan(
      Number(await page.locator("#traffic tbody tr").nth(1).getAttribute("data-seq")),
    );
    // the bot's activation is live on the board, with the country and service names
    const id = bot.current!.id;
    const row = page.locator(`#activations tbody tr[data-id="${id}"]`);
    await expect
      .poll(() => visibleText(row).catch(() => ""), WAIT)
      .toMatch(/tg · Telegram[\s\S]*62 TR Turkey[\s\S]*WAITING/);
    await shot(page, "02-traffic-desktop");
    await phoneShot("02-traffic-phone");
  });

  it("a row opens the full answer, from the keyboard too", async () => {
    const row = page.locator("#traffic tbody tr", { hasText: "getNumber" }).first();
    await row.focus();
    await page.keyboard.press("Enter");
    await page.locator("#detail[open]").waitFor(WAIT);
    expect(await visibleText(page.locator("#detail-body"))).toMatch(
      /^(ACCESS_NUMBER:\d+:\d+|ERROR_SQL|NO_NUMBERS)/,
    );
    expect(await visibleText(page.locator("#detail-meta"))).toMatch(/POST \/activations/);
    await shot(page, "03-detail-desktop");
    await page.keyboard.press("Escape");
    await page
      .locator("#detail[open]")
      .waitFor({ state: "detached", ...WAIT })
      .catch(() => undefined);
    expect(await page.locator("#detail").getAttribute("open")).toBeNull();
  });

  it("Deliver SMS reaches the activation panel and the bot", async () => {
    const id = bot!.current!.id;
    await page.getByRole("button", { name: `Deliver SMS to activation ${id}` }).click();
    const row = page.locator(`#activations tbody tr[data-id="${id}"]`);
    await expect.poll(() => visibleText(row), WAIT).toMatch(/(RECEIVED|COMPLETED)[\s\S]*48213/);
    await expect.poll(() => bot!.codes.get(id), WAIT).toBe("48213");
    await expect.poll(trafficText, WAIT).toMatch(/STATUS_OK:48213/);
    expect(await visibleText(page.locator("#sandbox-status"))).toMatch(
      new RegExp(`SMS delivered to activation ${id}`),
    );
    // the key's figures: a number bought, a code received
    await expect.poll(() => visibleText(page.locator("#keys tbody")), WAIT).toMatch(/\b1\b[\s\S]*\b1\b/);
    await shot(page, "04-sms-delivered-desktop");
    await shot(page, "04-sms-delivered-desktop-full", true);
    await phoneShot("04-sms-delivered-phone");
  });

  it("filters by answer class and pauses", async () => {
    await page.selectOption("#f-class", "success");
    const classes = await page
      .locator("#traffic tbody tr")
      .evaluateAll((rows) => rows.map((r) => r.className));
    expect(classes.length).toBeGreaterThan(0);
    expect(new Set(classes)).toEqual(new Set(["cls-success"]));
    await page.selectOption("#f-class", "");

    await page.getByRole("button", { name: "Pause" }).click();
    const frozen = await page.locator("#traffic tbody tr").first().getAttribute("data-seq");
    await expect
      .poll(() => visibleText(page.locator("#paused-note")), WAIT)
      .toMatch(/[1-9]\d* new while paused/);
    expect(await page.locator("#traffic tbody tr").first().getAttribute("data-seq")).toBe(frozen);
    await page.getByRole("button", { name: "Resume" }).click();
    await expect
      .poll(
        async () => Number(await page.locator("#traffic tbody tr").first().getAttribute("data-seq")),
        WAIT,
      )
      .toBeGreaterThan(Number(frozen));
  });

  it("the 20 % 500s preset shows upstream failures in the traffic panel and the chart", async () => {
    await page.getByRole("button", { name: "20 % 500s" }).click();
    await expect.poll(() => visibleText(page.locator("#sb-faults-now")), WAIT).toContain("20 % 500s");
    await expect.poll(() => page.locator("#traffic .call.failed").count(), WAIT).toBeGreaterThan(0);
    expect(await visibleText(page.locator("#traffic .call.failed").first())).toMatch(/ 500 /);
    await expect.poll(() => page.locator("#traffic tr.cls-upstream").count(), WAIT).toBeGreaterThan(0);
    await expect.poll(() => visibleText(page.locator("#chart-calls-now")), WAIT).toMatch(/, [1-9]\d* failed/);
    await expect
      .poll(() => visibleText(page.locator("#chart-requests-now")), WAIT)
      .toMatch(/[1-9]\d* upstream failures/);
    expect(await page.locator("#chart-calls svg path.s-failed").count()).toBeGreaterThan(0);
    await page.evaluate("window.scrollTo(0, 0)");
    await shot(page, "05-faults-desktop");
    await phoneShot("05-faults-phone");
    await page.selectOption("#f-class", "upstream");
    expect(
      await page
        .locator("#traffic tbody tr")
        .evaluateAll((rows) => rows.every((r) => r.className === "cls-upstream")),
    ).toBe(true);
    await shot(page, "05-faults-filtered-desktop");
    await page.selectOption("#f-class", "");
    await page.getByRole("button", { name: "Clear faults" }).click();
    await expect.poll(() => visibleText(page.locator("#sb-faults-now")), WAIT).toContain("none");
  });

  it("a mailbox shows on the activations panel with its address and site, without SMS controls", async () => {
    const domains = JSON.parse(await gw.call({ api_key: KEY, action: "getDomains", site: "telegram.com" }));
    const domain = (domains.response.popular as { name: string; count: number }[]).find(
      (d) => d.count > 0,
    )!.name;
    const bought = JSON.parse(
      await gw.call({ api_key: KEY, action: "buyMailActivation", site: "telegram.com", mail_domain: domain }),
    );
    expect(bought.status).toBe("OK");
    const { id, email } = bought.response as { id: number; email: string };
    await gw.call({ api_key: KEY, action: "checkMailActivation", id: String(id) });
    const row = page.locator(`#activations tbody tr[data-id="${id}"]`);
    await expect.poll(() => visibleText(row).catch(() => ""), WAIT).toMatch(/✉ telegram\.com[\s\S]*WAITING/);
    expect(await visibleText(row)).toContain(email);
    expect(await row.getByRole("button").count()).toBe(0);
    await expect.poll(trafficText, WAIT).toMatch(/buyMailActivation[\s\S]*POST \/email-activations 201/);
    await shot(page, "07-mailbox-desktop");
  });

  it("no key anywhere: the page, the data API and the event stream", async () => {
    await bot?.stop();
    const html = await page.content();
    expect(html).not.toContain(KEY);
    for (const path of ["requests?limit=1000", "activations", "stats", "session", "sandbox"]) {
      const text = await (await fetch(`${gw.url}/console/api/${path}`)).text();
      expect(text.length, path).toBeGreaterThan(2);
      expect(text, path).not.toContain(KEY);
    }
    const stream = await fetch(`${gw.url}/console/api/stream`);
    const reader = stream.body!.getReader();
    let snapshot = "";
    while (!snapshot.includes("\n\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      snapshot += new TextDecoder().decode(value);
    }
    await reader.cancel();
    expect(snapshot).toMatch(/^event: snapshot\n/);
    expect(snapshot).toContain("getNumber");
    expect(snapshot).not.toContain(KEY);
    expect(browser.errors).toEqual([]);
  });
});
