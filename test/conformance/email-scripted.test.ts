import { describe, expect, it } from "vitest";
import { CHECKS } from "../../src/conformance/checks.js";
import type { HttpFn } from "../../src/conformance/http.js";
import { formatText } from "../../src/conformance/report.js";
import { type RunOptions, runConformance } from "../../src/conformance/run.js";

/** `--buy-email` against a scripted V1 email endpoint (no sockets): money first. */

const EMAIL = CHECKS.filter((c) => c.name.startsWith("email."));
const ok = (response: unknown) => JSON.stringify({ status: "OK", response });
const error = (code: string) => JSON.stringify({ status: "ERROR", error: code });

interface Shop {
  /** checkMailActivation answers before the message (then SUCCESS with full_message), Infinity: never */
  waits?: number;
  /** EARLY_CANCEL_DENIED answers before a cancel is allowed */
  early?: number;
  /** the id buyMailActivation answers */
  id?: unknown;
}

/** One mailbox for sale at 0.04; the balance drops when it is bought and comes back when cancelled. */
function shop(s: Shop = {}): { http: HttpFn; seen: string[] } {
  const seen: string[] = [];
  let balance = 10;
  let bought = false;
  let checks = 0;
  let early = s.early ?? 0;
  let state: "WAIT" | "SUCCESS" | "CANCEL" = "WAIT";
  const box = () => ({
    id: 42,
    email: "k.weber4821@gmx.com",
    site: "telegram.com",
    status: state,
    value: state === "SUCCESS" ? "58213" : null,
    cost: 0.04,
    date: "2026-06-03T13:45:00.000000Z",
    ...(state === "SUCCESS" && { full_message: "Your code is 58213" }),
  });
  const answer = (p: URLSearchParams): string => {
    switch (p.get("action")) {
      case "getBalance":
        return `ACCESS_BALANCE:${balance.toFixed(2)}`;
      case "getDomains":
        if (!p.get("site")) return error("BAD_SITE");
        return ok({ zones: [], popular: [{ name: "gmx.com", cost: 0.04, count: 12 }] });
      case "buyMailActivation":
        bought = true;
        balance -= 0.04;
        return ok({ id: s.id ?? 42, email: "k.weber4821@gmx.com" });
      case "checkMailActivation":
        if (!bought || p.get("id") !== "42") return error("NO_ACTIVATION");
        if (state === "WAIT" && ++checks > (s.waits ?? 2)) state = "SUCCESS";
        return ok(box());
      case "cancelMailActivation":
        if (state === "SUCCESS") return error("BAD_STATUS");
        if (early-- > 0) return error("EARLY_CANCEL_DENIED");
        if (state === "WAIT") balance += 0.04;
        state = "CANCEL";
        return ok(box());
      case "getMailHistory":
        return ok({ list: bought ? [box()] : [] });
      default:
        return "BAD_ACTION";
    }
  };
  const http: HttpFn = async (req) => {
    const p = new URLSearchParams(req.url.split("?")[1] ?? "");
    seen.push(`${p.get("action")}${p.has("id") ? ` ${p.get("id")}` : ""}`);
    return { status: 200, headers: { "content-type": "text/plain" }, body: Buffer.from(answer(p)) };
  };
  return { http, seen };
}

function run(http: HttpFn, opts: Partial<RunOptions> = {}) {
  let t = 0;
  return runConformance({
    endpoint: "http://x.invalid",
    key: "k3y",
    http,
    checks: EMAIL,
    buyEmail: { site: "telegram.com", domain: "gmx.com" },
    maxSpend: 1,
    waitS: 10,
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
    ...opts,
  });
}
const results = (r: Awaited<ReturnType<typeof run>>) => Object.fromEntries(r.results.map((c) => [c.name, c]));

describe("conformance --buy-email, scripted", () => {
  it("the message comes: every email check passes and the mailbox is kept, its cost in Spent", async () => {
    const { http, seen } = shop();
    const report = await run(http);
    const text = formatText(report, "k3y");
    expect(report.results.map((r) => [r.name, r.result])).toEqual(
      EMAIL.map((c) => [c.name, c.name === "email.cancelMailActivation" ? "SKIP" : "PASS"]),
    );
    expect(results(report)["email.checkMailActivation"]!.detail).toMatch(
      /^checkMailActivation&id=42 ×3: WAIT ×2, SUCCESS after 3\.0 s, full_message "Your code is 58213"$/,
    );
    expect(report.purchases).toMatchObject([{ id: "42", via: "buyMailActivation", settled: "completed" }]);
    expect(report.spent).toBe("0.04");
    expect(text).toMatch(/^Conformance of .* \(with purchases\)$/m);
    expect(text).toMatch(/^Spent: 0\.04 \(balance 10\.00 → 9\.96; buyMailActivation 42 completed at 0\.04/m);
    expect(seen.filter((s) => s.startsWith("buyMailActivation"))).toHaveLength(1);
    expect(seen).not.toContain("cancelMailActivation 42");
  });

  it("no message: cancelled (past EARLY_CANCEL_DENIED), nothing spent", async () => {
    const { http } = shop({ waits: Number.POSITIVE_INFINITY, early: 2 });
    const report = await run(http, { waitS: 5 });
    const cancel = results(report)["email.cancelMailActivation"]!;
    expect(cancel).toMatchObject({ result: "PASS" });
    expect(cancel.detail).toBe("cancelMailActivation&id=42: EARLY_CANCEL_DENIED ×2, CANCEL");
    expect(report.purchases).toMatchObject([{ settled: "cancelled" }]);
    expect(report.spent).toBe("0.00");
  });

  it("a price above --max-spend: nothing bought, the buying checks skip", async () => {
    const { http, seen } = shop();
    const report = await run(http, { maxSpend: 0.03 });
    expect(results(report)["email.buyMailActivation"]!.detail).toBe(
      "buyMailActivation not bought: its price 0.04 is more than what is left of --max-spend (0.03 of 0.03)",
    );
    expect(results(report)["email.checkMailActivation"]!.result).toBe("SKIP");
    expect(seen.some((s) => s.startsWith("buyMailActivation"))).toBe(false);
    expect(report.purchases).toEqual([]);
  });

  it("an id that is not an integer fails the purchase check, and the mailbox is still cancelled", async () => {
    const { http, seen } = shop({ id: "42", waits: Number.POSITIVE_INFINITY });
    const report = await run(http, { waitS: 2 });
    expect(results(report)["email.buyMailActivation"]).toMatchObject({ result: "FAIL" });
    expect(results(report)["email.buyMailActivation"]!.detail).toMatch(
      /response\.id "42" is not an integer 1 … 2147483647$/,
    );
    expect(report.purchases).toMatchObject([{ id: "42", settled: "cancelled" }]);
    expect(seen).toContain("cancelMailActivation 42");
  });

  it("without --buy-email nothing is bought: only the read-only email checks run", async () => {
    const { http, seen } = shop();
    const report = await runConformance({ endpoint: "http://x.invalid", key: "k3y", http, checks: EMAIL });
    expect(report.results.map((r) => r.name)).toEqual(
      EMAIL.filter((c) => c.phase !== "buy-email").map((c) => c.name),
    );
    expect(report.results.every((r) => r.result === "PASS")).toBe(true);
    expect(seen.some((s) => s.startsWith("buyMailActivation"))).toBe(false);
    expect(formatText(report, "k3y")).toMatch(/read-only: nothing is bought/);
  });

  it("interrupted after the purchase: the mailbox is still settled before the run returns", async () => {
    const controller = new AbortController();
    const { http, seen } = shop({ waits: Number.POSITIVE_INFINITY });
    const wrapped: HttpFn = async (req) => {
      const res = await http(req);
      if (req.url.includes("action=buyMailActivation")) controller.abort();
      return res;
    };
    const report = await run(wrapped, { signal: controller.signal, waitS: 1 });
    expect(results(report)["email.checkMailActivation"]!.detail).toBe("interrupted");
    expect(report.purchases).toMatchObject([{ id: "42", settled: "cancelled" }]);
    expect(seen).toContain("cancelMailActivation 42");
  });
});
