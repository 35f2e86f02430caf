import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHECKS } from "../../src/conformance/checks.js";
import { formatText } from "../../src/conformance/report.js";
import { type RunReport, runConformance } from "../../src/conformance/run.js";
import { type Stack, startStack } from "./stack.js";

/** The whole checks table against this gateway in front of a real sandbox: everything passes. */

const results = (r: RunReport) => Object.fromEntries(r.results.map((c) => [c.name, c.result]));
const failures = (r: RunReport) => r.results.filter((c) => c.result !== "PASS").map((c) => c.name);
/** The statuses of the activations the sandbox holds for the stack's key. */
const settledInSandbox = async (stack: Stack): Promise<string[]> =>
  (await stack.sb.control.activations(stack.sb.apiKey)).map((a) => a.status);

describe("read-only, against the gateway", () => {
  let stack: Stack;
  let report: RunReport;

  beforeAll(async () => {
    stack = await startStack();
    await stack.sb.control.resetStats();
    report = await runConformance({ endpoint: stack.gw.legacyUrl, key: stack.sb.apiKey });
  });
  afterAll(() => stack.close());

  const readOnly = CHECKS.filter((c) => c.phase === "read" || c.phase === "answers");

  it("runs every read-only check of the table, in order", () => {
    expect(report.unreachable).toBeUndefined();
    expect(report.results.map((r) => r.name)).toEqual(readOnly.map((c) => c.name));
  });

  it.each(readOnly.map((c) => c.name))("%s passes", (name) => {
    const r = report.results.find((x) => x.name === name)!;
    expect(r, formatText(report, stack.sb.apiKey)).toMatchObject({ result: "PASS", breaks: "" });
  });

  it("buys nothing and spends nothing", async () => {
    expect(report.purchases).toEqual([]);
    expect(report.spent).toBe("0.00");
    const stats = await stack.sb.control.stats();
    expect(stats.purchases).toBe(0);
    expect(stats.requests["POST /api/v1/activations"] ?? 0).toBe(0);
    expect(stats.requests["POST /api/v1/email-activations"] ?? 0).toBe(0);
  });
});

describe("with --buy tg:62 --max-spend 1, against the gateway", () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it("both purchases fit the budget: every check passes, both numbers completed", async () => {
    await stack.sb.control.setOffer("tg", "TR", { price: "0.45" });
    const report = await runConformance({
      endpoint: stack.gw.legacyUrl,
      key: stack.sb.apiKey,
      buy: { service: "tg", country: "62" },
      maxSpend: 1,
      pollMs: 200,
    });
    const text = formatText(report, stack.sb.apiKey);
    expect(
      report.results.map((r) => r.name),
      text,
    ).toEqual(CHECKS.filter((c) => c.phase !== "buy-email").map((c) => c.name));
    // A code came (the sandbox sends one after 200 ms), so the first number is completed, not cancelled.
    expect(failures(report), text).toEqual(["activation.setStatus-cancel"]);
    expect(results(report)["activation.setStatus-cancel"]).toBe("SKIP");
    expect(report.purchases.map((p) => [p.via, p.settled])).toEqual([
      ["getNumber", "completed"],
      ["getNumberV2", "completed"],
    ]);
    expect(report.spent).toBe("0.90");
    expect(text).toMatch(/Spent: 0\.90 \(balance 100\.00 → 99\.10/);
    expect(await settledInSandbox(stack)).toEqual(["COMPLETED", "COMPLETED"]);
  }, 90_000);
});

describe("the budget (--max-spend), tg in Turkey at the sandbox's 0.60", () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it("stops before a purchase that would exceed what is left of the budget", async () => {
    const report = await runConformance({
      endpoint: stack.gw.legacyUrl,
      key: stack.sb.apiKey,
      buy: { service: "tg", country: "62" },
      maxSpend: 1,
      pollMs: 200,
    });
    const v2 = report.results.find((r) => r.name === "activation.getNumberV2")!;
    expect(v2.result).toBe("SKIP");
    expect(v2.detail).toMatch(/price 0\.6 is more than what is left of --max-spend \(0\.40 of 1\.00\)/);
    expect(report.results.filter((r) => r.result === "FAIL")).toEqual([]);
    expect(report.purchases.map((p) => p.via)).toEqual(["getNumber"]);
    expect(report.spent).toBe("0.60");
    expect(await settledInSandbox(stack)).toEqual(["COMPLETED"]);
  }, 90_000);

  it("refuses to buy at all when the first price is above the budget", async () => {
    await stack.sb.control.account(stack.sb.apiKey, "100.00");
    const report = await runConformance({
      endpoint: stack.gw.legacyUrl,
      key: stack.sb.apiKey,
      buy: { service: "tg", country: "62" },
      maxSpend: 0.5,
    });
    expect(results(report)["activation.getNumber"]).toBe("SKIP");
    expect(report.purchases).toEqual([]);
    expect(report.spent).toBe("0.00");
    expect(await settledInSandbox(stack)).toEqual([]);
  });
});

describe("with --buy when no code comes", () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ autoSms: false, cancelCooldownS: 0 });
  });
  afterAll(() => stack.close());

  it("cancels both numbers (setStatus 8) after --wait, and every check passes", async () => {
    const report = await runConformance({
      endpoint: stack.gw.legacyUrl,
      key: stack.sb.apiKey,
      buy: { service: "tg", country: "62" },
      maxSpend: 5,
      waitS: 1,
      pollMs: 200,
    });
    const text = formatText(report, stack.sb.apiKey);
    expect(failures(report), text).toEqual(["activation.setStatus-complete"]);
    expect(results(report)["activation.setStatus-cancel"]).toBe("PASS");
    expect(report.purchases.map((p) => p.settled)).toEqual(["cancelled", "cancelled"]);
    expect(report.spent).toBe("0.00");
    const statuses = (await stack.sb.control.activations(stack.sb.apiKey)).map((a) => a.status);
    expect(statuses).toEqual(["CANCELLED", "CANCELLED"]);
  }, 90_000);
});
