import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHECKS } from "../../src/conformance/checks.js";
import { formatText } from "../../src/conformance/report.js";
import { type RunOptions, type RunReport, runConformance } from "../../src/conformance/run.js";
import { type Stack, startProxy, startStack } from "./stack.js";

/** The email checks: read-only against the gateway and a wrong endpoint, and `--buy-email`. */

const SITE = "telegram.com";
const EMAIL_READ = CHECKS.filter((c) => c.name.startsWith("email.") && c.phase !== "buy-email").map(
  (c) => c.name,
);
const only = (names: string[]) => CHECKS.filter((c) => names.includes(c.name));
const byName = (r: RunReport) => Object.fromEntries(r.results.map((c) => [c.name, c]));

/** The first domain the sandbox sells for the site, with its price. */
async function aDomain(stack: Stack): Promise<{ name: string; price: number }> {
  const listed = await stack.sb.api(`/email-activations/domains?site=${SITE}`);
  expect(listed.status).toBe(200);
  const list = (Array.isArray(listed.body) ? listed.body : listed.body.data) as {
    name: string;
    price: string | number;
  }[];
  return { name: list[0]!.name, price: Number(list[0]!.price) };
}

describe("email checks, read-only", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it("all pass against the gateway, and nothing is bought", async () => {
    await stack.sb.control.resetStats();
    const report = await runConformance({ endpoint: stack.gw.legacyUrl, key: stack.sb.apiKey });
    const text = formatText(report, stack.sb.apiKey);
    for (const name of EMAIL_READ) expect(byName(report)[name], text).toMatchObject({ result: "PASS" });
    expect(byName(report)["email.getDomains"]!.detail).toMatch(/\d+ popular domains, 0 zones/);
    expect(byName(report)["email.answers-json"]!.detail).toMatch(
      /^all \d+ email answers are the JSON envelope/,
    );
    expect((await stack.sb.control.stats()).emailPurchases).toBe(0);
  });

  it("an endpoint answering bare tokens and a flat domain list fails them", async () => {
    const proxy = await startProxy(stack.gw.url, {
      answer: (a, params) => {
        const action = params.get("action");
        if (action === "getDomains" && params.has("site")) {
          const { response } = JSON.parse(a.body);
          return { ...a, body: JSON.stringify(response.popular) };
        }
        if (action === "getDomains" || action === "checkMailActivation") return { ...a, body: "BAD_SITE" };
        if (action === "getMailHistory")
          return { ...a, body: JSON.stringify({ status: "OK", response: [] }) };
        return a;
      },
    });
    try {
      const report = await runConformance({
        endpoint: proxy.legacyUrl,
        key: stack.sb.apiKey,
        checks: only(EMAIL_READ),
      });
      const text = formatText(report, stack.sb.apiKey);
      expect(
        report.results.map((r) => [r.name, r.result]),
        text,
      ).toEqual(EMAIL_READ.map((n) => [n, "FAIL"]));
      expect(text).toMatch(/breaks: SA's email clients read response\.popular/);
      expect(byName(report)["email.getMailHistory"]!.detail).toMatch(/not \{"list":\[…\]\}/);
    } finally {
      await proxy.close();
    }
  });

  it("an endpoint without email (BAD_ACTION) skips them rather than fails", async () => {
    const proxy = await startProxy(stack.gw.url, {
      answer: (a, params) =>
        /Mail|Domains/.test(params.get("action") ?? "") ? { ...a, body: "BAD_ACTION" } : a,
    });
    try {
      const report = await runConformance({
        endpoint: proxy.legacyUrl,
        key: stack.sb.apiKey,
        checks: only(EMAIL_READ),
      });
      expect(report.results.map((r) => r.result)).toEqual(EMAIL_READ.map(() => "SKIP"));
    } finally {
      await proxy.close();
    }
  });
});

describe("email checks with --buy-email", () => {
  const buyOnly = (opts: Partial<RunOptions>, stack: Stack, domain: string) =>
    runConformance({
      endpoint: stack.gw.legacyUrl,
      key: stack.sb.apiKey,
      buyEmail: { site: SITE, domain },
      maxSpend: 1,
      pollMs: 200,
      waitS: 10,
      ...opts,
    });

  it("a message comes: bought, read (full_message), kept; the Spent line counts it", async () => {
    const stack = await startStack({ emailAddressDelayMs: 0 });
    try {
      const domain = await aDomain(stack);
      const report = await buyOnly({}, stack, domain.name);
      const text = formatText(report, stack.sb.apiKey);
      const r = byName(report);
      expect(r["email.buyMailActivation"], text).toMatchObject({ result: "PASS" });
      expect(r["email.checkMailActivation"]!.detail, text).toMatch(/SUCCESS after .* full_message "/);
      expect(r["email.cancelMailActivation"]).toMatchObject({ result: "SKIP" });
      expect(
        report.results.filter((x) => x.result === "FAIL"),
        text,
      ).toEqual([]);
      expect(report.results.some((x) => x.name.startsWith("activation."))).toBe(false);
      expect(report.purchases.map((p) => [p.via, p.settled])).toEqual([["buyMailActivation", "completed"]]);
      expect(report.spent).toBe(domain.price.toFixed(2));
      expect(text).toMatch(/^Spent: .*buyMailActivation \d+ completed/m);
      expect((await stack.sb.control.stats()).emailPurchases).toBe(1);
    } finally {
      await stack.close();
    }
  }, 60_000);

  it("no message: cancelled after --wait, nothing spent", async () => {
    const stack = await startStack({ emailAddressDelayMs: 0, autoSms: false });
    try {
      const domain = await aDomain(stack);
      const report = await buyOnly({ waitS: 1 }, stack, domain.name);
      const text = formatText(report, stack.sb.apiKey);
      expect(byName(report)["email.cancelMailActivation"], text).toMatchObject({ result: "PASS" });
      expect(
        report.results.filter((x) => x.result === "FAIL"),
        text,
      ).toEqual([]);
      expect(report.purchases.map((p) => p.settled)).toEqual(["cancelled"]);
      expect(report.spent).toBe("0.00");
    } finally {
      await stack.close();
    }
  }, 60_000);

  it("a price above --max-spend: nothing bought", async () => {
    const stack = await startStack({ emailAddressDelayMs: 0 });
    try {
      const domain = await aDomain(stack);
      const report = await buyOnly({ maxSpend: domain.price / 2 }, stack, domain.name);
      expect(byName(report)["email.buyMailActivation"]!.detail).toMatch(
        /not bought: its price .* is more than what is left of --max-spend/,
      );
      expect(report.purchases).toEqual([]);
      expect((await stack.sb.control.stats()).emailPurchases).toBe(0);
    } finally {
      await stack.close();
    }
  });
});
