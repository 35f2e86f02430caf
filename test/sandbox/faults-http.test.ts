import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { faultRuleSchema } from "../../src/sandbox/faults.js";
import { errorBodySchema } from "../../src/upstream/schemas.js";
import { PURCHASE_ROUTE } from "../helpers/faults.js";
import { mulberry32 } from "../helpers/random.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";
import { waitFor } from "../helpers/wait.js";

const PURCHASE = { serviceCode: "tg", countryIso: "TR" };

describe("fault injection over HTTP", () => {
  let sb: TestSandbox;
  afterEach(() => sb.close());

  const buy = () => sb.api("/activations", { method: "POST", json: PURCHASE });
  const listIds = async () => ((await sb.api("/activations")).body.data as { id: string }[]).map((a) => a.id);

  it("before + error500: a 500 JSON and nothing happens", async () => {
    sb = await startTestSandbox();
    await sb.control.setFaults([{ route: "POST /api/v1/activations", phase: "before", error500: 1 }]);
    const res = await buy();
    expect(res.status).toBe(500);
    expect(errorBodySchema.parse(res.body)).toMatchObject({ statusCode: 500 });
    await sb.control.clearFaults();
    expect(await listIds()).toEqual([]);
    expect((await sb.api("/wallet/balance")).body.balance).toBe("100.00");
    expect((await sb.control.stats()).purchases).toBe(0);
  });

  it("after + error500: the caller gets a 500 but the purchase exists and is charged", async () => {
    sb = await startTestSandbox();
    await sb.control.setFaults([{ route: "POST /api/v1/activations", phase: "after", error500: 1 }]);
    const res = await buy();
    expect(res.status).toBe(500);
    expect(res.body.id).toBeUndefined();
    const ids = await listIds(); // GET /activations is not faulted
    expect(ids).toHaveLength(1);
    expect((await sb.control.activations()).map((a) => a.id)).toEqual(ids);
    expect((await sb.api("/wallet/balance")).body.balance).not.toBe("100.00");
  });

  it("after + drop: the connection dies without an answer, but the purchase exists", async () => {
    sb = await startTestSandbox();
    await sb.control.setFaults([{ route: "POST /api/v1/activations", phase: "after", drop: 1 }]);
    await expect(buy()).rejects.toThrow();
    expect(await listIds()).toHaveLength(1);
    expect((await sb.control.stats()).purchases).toBe(1);
  });

  it("before + drop: the connection dies and nothing is bought", async () => {
    sb = await startTestSandbox();
    await sb.control.setFaults([{ route: "POST /api/v1/activations", phase: "before", drop: 1 }]);
    await expect(buy()).rejects.toThrow();
    expect(await listIds()).toEqual([]);
  });

  it("bare503 is text/html without a JSON body (an outage, not a stockout)", async () => {
    sb = await startTestSandbox();
    await sb.control.setFaults([{ route: "GET /api/v1/wallet/balance", bare503: 1 }]);
    const res = await sb.api("/wallet/balance");
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.text).toMatch(/Service Temporarily Unavailable/);
    expect(() => JSON.parse(res.text)).toThrow();
    expect(res.headers.get("date")).toBeTruthy();
  });

  it("error429 answers 429 JSON with Retry-After", async () => {
    sb = await startTestSandbox();
    await sb.control.setFaults([{ route: "GET /api/v1/activations/:id", error429: 1 }]);
    const res = await sb.api("/activations/cabc");
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(res.body).toMatchObject({ statusCode: 429 });
    // Another route is untouched.
    expect((await sb.api("/wallet/balance")).status).toBe(200);
  });

  it("adds latency (real time) before or after the handler", async () => {
    sb = await startTestSandbox();
    const latencyMs = 150;
    await sb.control.setFaults([{ route: "GET /api/v1/countries", phase: "after", latencyMs }]);
    const started = performance.now(); // the real clock: the sandbox's fake one does not move here
    const res = await sb.api("/countries", { key: null });
    expect(res.status).toBe(200);
    // a delay is never shorter than asked (timers may fire a millisecond early); no upper bound
    expect(performance.now() - started).toBeGreaterThanOrEqual(latencyMs - 2);
  });

  it("matches by route pattern: a rule for /activations/:id does not hit /activations/:id/complete", async () => {
    sb = await startTestSandbox({ config: { autoSms: false } });
    const a = (await buy()).body;
    await sb.control.setFaults([{ route: "GET /api/v1/activations/:id", error500: 1 }]);
    expect((await sb.api(`/activations/${a.id}`)).status).toBe(500);
    expect((await sb.api(`/activations/${a.id}/complete`, { method: "POST" })).status).toBe(409);
  });

  it("never applies to control routes, even with a catch-all rule", async () => {
    sb = await startTestSandbox();
    await sb.control.setFaults([{ route: "*", error500: 1 }]);
    expect((await sb.api("/countries", { key: null })).status).toBe(500);
    expect((await sb.raw("/sandbox/stats")).status).toBe(200);
    expect((await sb.raw("/sandbox/faults")).body.rules).toHaveLength(1);
    expect((await sb.control.clearFaults()).body).toEqual({ rules: [] });
    expect((await sb.api("/countries", { key: null })).status).toBe(200);
  });

  it("GET/PUT /sandbox/faults round-trip the rules with defaults filled in, and reject bad rules", async () => {
    sb = await startTestSandbox();
    const put = await sb.control.setFaults([
      { route: "POST /api/v1/activations", phase: "after", error500: 0.2, drop: 0.1 },
    ]);
    expect(put.status).toBe(200);
    const expected = {
      rules: [
        {
          route: "POST /api/v1/activations",
          phase: "after",
          latencyMs: 0,
          latencyChance: 1,
          error500: 0.2,
          bare503: 0,
          error429: 0,
          drop: 0.1,
        },
      ],
    };
    expect(put.body).toEqual(expected);
    expect((await sb.raw("/sandbox/faults")).body).toEqual(expected);
    const bad = await sb.raw("/sandbox/faults", {
      method: "PUT",
      json: { rules: [{ route: "POST /x", error500: 3 }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ statusCode: 400, message: expect.any(Array) });
    expect((await sb.raw("/sandbox/faults")).body).toEqual(expected);
  });

  it("takes its initial rules from the config (SANDBOX_FAULTS)", async () => {
    sb = await startTestSandbox({
      config: { faults: [faultRuleSchema.parse({ route: "GET /api/v1/countries", bare503: 1 })] },
    });
    expect((await sb.api("/countries", { key: null })).status).toBe(503);
  });

  it("with a probability, faults some requests and not others", async () => {
    sb = await startTestSandbox({ random: mulberry32(9) });
    await sb.control.setFaults([{ route: "GET /api/v1/countries", error500: 0.5 }]);
    const statuses = [];
    for (let i = 0; i < 40; i++) statuses.push((await sb.api("/countries", { key: null })).status);
    expect(statuses.filter((s) => s === 500).length).toBeGreaterThan(5);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(5);
  });
});

describe("latency and a caller that gives up", () => {
  let sb: TestSandbox;
  afterEach(() => sb.close());

  /** What the sandbox logs once it has answered a request (debug level). */
  let answered: { method: string; path: string; status: number }[] = [];
  const start = () => {
    answered = [];
    const logger = pino({ level: "debug" }, { write: (line: string) => answered.push(JSON.parse(line)) });
    return startTestSandbox({ logger });
  };

  /** The purchase's latency: far longer than the caller needs to see its request arrive and give up. */
  const LATENCY_MS = 1000;

  /** Sends a purchase and gives up (aborts) as soon as the sandbox has received it. */
  async function buyAndGiveUp(): Promise<void> {
    const caller = new AbortController();
    const sent = fetch(`${sb.baseUrl}/activations`, {
      method: "POST",
      headers: { "x-api-key": sb.apiKey, "content-type": "application/json" },
      body: JSON.stringify(PURCHASE),
      signal: caller.signal,
    });
    await waitFor(
      "the purchase to reach the sandbox",
      async () => ((await sb.control.stats()).requests["POST /api/v1/activations"] ?? 0) > 0,
      { everyMs: 5 },
    );
    caller.abort();
    await expect(sent).rejects.toThrow();
  }
  const purchaseAnswered = () =>
    waitFor("the sandbox to finish the purchase request", () =>
      answered.find((l) => l.method === "POST" && l.path === "/api/v1/activations"),
    );

  it("before: the purchase never happens when the caller times out during the latency", async () => {
    sb = await start();
    await sb.control.setFaults([{ route: PURCHASE_ROUTE, phase: "before", latencyMs: LATENCY_MS }]);
    await buyAndGiveUp();
    expect((await purchaseAnswered()).status).toBe(499); // the handler never ran
    expect(await sb.control.activations()).toEqual([]);
    expect((await sb.api("/wallet/balance")).body.balance).toBe("100.00");
  });

  it("after: the purchase exists although the caller timed out waiting for the answer", async () => {
    sb = await start();
    await sb.control.setFaults([{ route: PURCHASE_ROUTE, phase: "after", latencyMs: LATENCY_MS }]);
    await buyAndGiveUp();
    await purchaseAnswered();
    expect(await sb.control.activations()).toHaveLength(1);
  });
});
