import { describe, expect, it } from "vitest";
import { CHECKS, fixedStatusKeys, UNKNOWN_SERVICE } from "../../src/conformance/checks.js";
import type { HttpFn, HttpRequest } from "../../src/conformance/http.js";
import { exitCode, formatJson, formatText, redact } from "../../src/conformance/report.js";
import { parseEndpoint, runConformance } from "../../src/conformance/run.js";
import { parseCsv, readFixture } from "../../src/fixtures.js";

/** The table and the runner without sockets: an injected HTTP function plays the endpoint. */

describe("the checks table", () => {
  it("has unique, stable-looking names, a 'breaks' text and either a run or a request + expectation", () => {
    const names = CHECKS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const c of CHECKS) {
      expect(c.name).toMatch(
        /^(transport|errors|balance|catalogue|getNumber|money|activation|email|answers)\.[a-zA-Z0-9-]+$/,
      );
      expect(c.breaks.length, c.name).toBeGreaterThan(20);
      expect(Boolean(c.run) !== Boolean(c.request && c.expect), c.name).toBe(true);
    }
  });

  it("runs read-only checks first, then purchases, then the checks over every answer", () => {
    const order = { read: 0, buy: 1, "buy-email": 2, answers: 3 };
    const phases = CHECKS.map((c) => order[c.phase]);
    expect(phases).toEqual([...phases].sort((a, b) => a - b));
  });

  it("probes with a service code nobody uses, and knows the 39 fixed getNumbersStatus keys", () => {
    const codes = new Set(parseCsv(readFixture("service-codes.csv")).map((r) => r.code));
    expect(codes.size).toBeGreaterThan(500);
    expect(codes.has(UNKNOWN_SERVICE)).toBe(false);
    expect(fixedStatusKeys()).toHaveLength(39);
    expect(fixedStatusKeys()).toContain("tg_0");
  });
});

describe("endpoint and redaction", () => {
  it("a bare host means /stubs/handler_api.php; a trailing slash is dropped; credentials are not shown", () => {
    expect(parseEndpoint("http://h:1").display).toBe("http://h:1/stubs/handler_api.php");
    expect(parseEndpoint("https://h/stubs/handler_api.php/").path).toBe("/stubs/handler_api.php");
    const withUser = parseEndpoint("https://u:p@h/handler_api.php");
    expect(withUser.display).toBe("https://h/handler_api.php");
    expect(withUser.headers.authorization).toBe(`Basic ${Buffer.from("u:p").toString("base64")}`);
    expect(() => parseEndpoint("ftp://h")).toThrow(/http/);
  });

  it("blanks the key as written, percent-encoded and form-encoded", () => {
    const key = "a b/c+d";
    const text = `x ${key} y ${encodeURIComponent(key)} z a+b%2Fc%2Bd`;
    expect(redact(text, key)).toBe("x [key] y [key] z [key]");
  });
});

/** A scripted endpoint: `answer(params)` gives the body; every request is recorded. */
function scripted(answer: (p: URLSearchParams, req: HttpRequest) => string): {
  http: HttpFn;
  seen: string[];
} {
  const seen: string[] = [];
  const http: HttpFn = async (req) => {
    const query = req.url.split("?")[1] ?? "";
    const params = new URLSearchParams(query);
    for (const [k, v] of new URLSearchParams(req.body ?? "")) if (!params.has(k)) params.set(k, v);
    seen.push(`${params.get("action")} ${params.get("id") ?? ""} ${params.get("status") ?? ""}`.trim());
    return {
      status: 200,
      headers: { "content-type": "text/plain" },
      body: Buffer.from(answer(params, req)),
    };
  };
  return { http, seen };
}

const fastClock = () => {
  let t = 0;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
  };
};

describe("money safety", () => {
  it("a number handed out by a read-only probe is reported and settled before the run ends", async () => {
    const { http, seen } = scripted((p) => {
      switch (p.get("action")) {
        case "getBalance":
          return "ACCESS_BALANCE:10.00";
        case "getNumber":
          return p.get("service") === UNKNOWN_SERVICE ? "ACCESS_NUMBER:77:905551112233" : "BAD_SERVICE";
        case "getStatus":
          return p.get("id") === "77" ? "STATUS_OK:1234" : "NO_ACTIVATION";
        case "setStatus":
          return p.get("id") === "77" && p.get("status") === "6" ? "ACCESS_ACTIVATION" : "BAD_STATUS";
        default:
          return "BAD_ACTION";
      }
    });
    const report = await runConformance({ endpoint: "http://x.invalid", key: "k3y", http, ...fastClock() });
    const failed = report.results.filter((r) => r.result === "FAIL").map((r) => r.name);
    expect(failed).toContain("getNumber.bad-service");
    expect(failed).toContain("money.read-only-spent-nothing");
    expect(report.results.find((r) => r.name === "money.read-only-spent-nothing")!.detail).toMatch(
      /getNumber handed out 77/,
    );
    expect(report.purchases).toMatchObject([{ id: "77", settled: "completed", code: "1234" }]);
    expect(seen).toContain("setStatus 77 6");
    expect(exitCode(report)).toBe(1);
  });

  it("a run interrupted mid-way skips the rest and still settles what it bought", async () => {
    const controller = new AbortController();
    let statusCalls = 0;
    const { http, seen } = scripted((p) => {
      switch (p.get("action")) {
        case "getBalance":
          return "ACCESS_BALANCE:10.00";
        case "getPrices":
          return '{"62":{"tg":{"cost":0.5,"count":3}}}';
        case "getNumber":
          return "ACCESS_NUMBER:5:905550000000";
        case "getStatus":
          if (p.get("id") !== "5") return "NO_ACTIVATION";
          statusCalls++;
          return "STATUS_WAIT_CODE";
        case "setStatus":
          return p.get("status") === "8" ? "ACCESS_CANCEL" : "BAD_STATUS";
        default:
          return "BAD_ACTION";
      }
    });
    const report = await runConformance({
      endpoint: "http://x.invalid",
      key: "k3y",
      http,
      buy: { service: "tg", country: "62" },
      maxSpend: 1,
      signal: controller.signal,
      ...fastClock(),
      onProgress: (_i, _n, name) => {
        if (name === "activation.getStatus") controller.abort();
      },
    });
    const first = report.results.findIndex((r) => r.detail === "interrupted");
    expect(report.results[first]!.name).toBe("activation.getStatus");
    expect(report.results.slice(first).every((r) => r.result === "SKIP")).toBe(true);
    expect(report.purchases).toMatchObject([{ id: "5", settled: "cancelled" }]);
    expect(seen).toContain("setStatus 5 8");
    // Interrupted: no waiting for a code, one look at the status before cancelling.
    expect(statusCalls).toBe(1);
  });

  /** An endpoint that never sends a code and refuses cancels until `allowAfterMs` of fake time. */
  function coolDown(allowAfterMs: number, clock: { now: () => number }) {
    return scripted((p) => {
      switch (p.get("action")) {
        case "getBalance":
          return "ACCESS_BALANCE:10.00";
        case "getPrices":
          return '{"62":{"tg":{"cost":0.5,"count":3}}}';
        case "getNumber":
          return "ACCESS_NUMBER:9:905550000001";
        case "getNumberV2":
          return "NO_NUMBERS";
        case "getStatus":
          return p.get("id") === "9" ? "STATUS_WAIT_CODE" : "NO_ACTIVATION";
        case "getActiveActivations":
          return '{"status":"success","activeActivations":[{"activationId":"9"}]}';
        case "setStatus":
          return clock.now() >= allowAfterMs ? "ACCESS_CANCEL" : "EARLY_CANCEL_DENIED";
        default:
          return "BAD_ACTION";
      }
    });
  }
  const buyOpts = {
    endpoint: "http://x.invalid",
    key: "k3y",
    buy: { service: "tg", country: "62" },
    maxSpend: 1,
  };

  it("no code within --wait: the cancel is retried through EARLY_CANCEL_DENIED until it is allowed", async () => {
    const clock = fastClock();
    const { http, seen } = coolDown(50_000, clock);
    const report = await runConformance({ ...buyOpts, http, waitS: 30, ...clock });
    const cancel = report.results.find((r) => r.name === "activation.setStatus-cancel")!;
    expect(cancel.result).toBe("PASS");
    expect(cancel.detail).toMatch(/^setStatus&id=9&status=8: EARLY_CANCEL_DENIED ×\d+, ACCESS_CANCEL$/);
    expect(report.results.find((r) => r.name === "activation.getNumberV2")!.result).toBe("SKIP");
    expect(report.purchases).toMatchObject([{ id: "9", settled: "cancelled" }]);
    expect(seen.filter((x) => x === "setStatus 9 8").length).toBeGreaterThan(1);
    const activation = report.results.filter((r) => r.name.startsWith("activation."));
    expect(activation.filter((r) => r.result === "FAIL")).toEqual([]);
  });

  it("a cancel still refused at the bound: FAIL, and the report names the number still active", async () => {
    const clock = fastClock();
    const { http } = coolDown(Number.POSITIVE_INFINITY, clock);
    const report = await runConformance({ ...buyOpts, http, waitS: 5, ...clock });
    const failed = report.results.filter((r) => r.result === "FAIL" && r.name.startsWith("activation."));
    expect(failed.map((r) => r.name)).toEqual(["activation.setStatus-cancel", "activation.all-settled"]);
    expect(report.purchases.map((p) => [p.id, p.settled])).toEqual([["9", undefined]]);
    expect(formatText(report, "k3y")).toMatch(/STILL ACTIVE: getNumber 9: cancel with setStatus 8/);
  });

  it("never buys when no price is visible (the budget could not be kept)", async () => {
    const { http, seen } = scripted((p) =>
      p.get("action") === "getBalance" ? "ACCESS_BALANCE:10.00" : "{}",
    );
    const report = await runConformance({
      endpoint: "http://x.invalid",
      key: "k3y",
      http,
      buy: { service: "tg", country: "62" },
      maxSpend: 1,
      ...fastClock(),
    });
    const buy = report.results.find((r) => r.name === "activation.getNumber")!;
    expect(buy.result).toBe("SKIP");
    expect(buy.detail).toMatch(/no price for tg in country 62/);
    expect(seen.filter((s) => s.startsWith("getNumber")).length).toBe(3); // the three read-only probes only
  });
});

describe("report rendering", () => {
  it("a check that crashes is its own FAIL; JSON stays valid with any key; the key never shows", async () => {
    const key = '"null"';
    const { http } = scripted((p) =>
      p.get("action") === "getBalance" ? `ACCESS_BALANCE:1.00 for ${p.get("api_key")}` : "BAD_ACTION",
    );
    const report = await runConformance({
      endpoint: "http://x.invalid",
      key,
      http,
      checks: [
        {
          name: "errors.boom",
          phase: "read",
          breaks: "nobody, it is a test",
          run: async () => {
            throw new Error("boom");
          },
        },
      ],
      ...fastClock(),
    });
    expect(report.results).toEqual([
      {
        name: "errors.boom",
        result: "FAIL",
        detail: "the check could not run: boom",
        breaks: "nobody, it is a test",
      },
    ]);
    const json = JSON.parse(formatJson(report, key));
    expect(json.checks[0].name).toBe("errors.boom");
    expect(formatJson(report, key)).not.toContain(key);
    expect(formatText(report, key)).toContain("breaks: nobody, it is a test");
  });
});
