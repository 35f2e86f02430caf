import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

/**
 * `ERROR_SQL` can be diagnosed: the request's log line says why (`cause`), and `/readyz` says when
 * the last upstream error happened and since when the upstream answers again.
 */
const KEY_A = "causeKeyA_0123456789abcdef";
const KEY_B = "causeKeyB_0123456789abcdef";
const BALANCE = "GET /api/v1/wallet/balance";
let sb: TestSandbox;

beforeAll(async () => {
  sb = await startTestSandbox({
    clock: "real",
    config: {
      autoSms: false,
      accounts: [
        { apiKey: KEY_A, balance: "5.00" },
        { apiKey: KEY_B, balance: "5.00" },
      ],
    },
  });
});
afterAll(async () => {
  await sb.close();
});

/** A gateway whose log lines (the production logger, JSON) are kept for the test to read. */
async function loggedGateway(env: Record<string, string>) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  const gw = await startTestGateway({
    upstreamUrl: sb.baseUrl,
    env: { STATUS_CACHE_MS: "0", ...env },
    log: createLogger({ level: "info", destination }),
  });
  return { gw, lines };
}

/** getBalance with a request id, and that request's log line */
async function balanceWithCause(gw: TestGateway, lines: Record<string, unknown>[], key: string, id: string) {
  const res = await gw.raw(`/stubs/handler_api.php?api_key=${key}&action=getBalance`, {
    headers: { "x-request-id": id },
  });
  const line = lines.find((l) => l.reqId === id && l.msg === "legacy request");
  return { body: res.body.toString("utf8"), line };
}

const readiness = async (gw: TestGateway) => {
  const res = await gw.raw("/readyz");
  expect(res.status).toBe(200);
  return JSON.parse(res.body.toString("utf8")).upstream;
};

describe("the cause of an ERROR_SQL in its log line", () => {
  let gw: TestGateway;
  let lines: Record<string, unknown>[];
  beforeAll(async () => {
    ({ gw, lines } = await loggedGateway({ BREAKER_THRESHOLD: "2", BREAKER_COOLDOWN_MS: "600000" }));
  });
  afterAll(async () => {
    await gw.close();
    await sb.control.clearFaults();
  });

  it("an upstream 429: rate limited for the Retry-After", async () => {
    await sb.control.setFaults([{ route: BALANCE, phase: "before", error429: 1 }]);
    const { body, line } = await balanceWithCause(gw, lines, KEY_A, "cause-429");
    expect(body).toBe("ERROR_SQL");
    expect(line).toMatchObject({ token: "ERROR_SQL", cause: "rate limited for 1 s", upstreamCalls: 1 });
  });

  it("an upstream 500: its status and message", async () => {
    await sb.control.setFaults([{ route: BALANCE, phase: "before", error500: 1 }]);
    const { body, line } = await balanceWithCause(gw, lines, KEY_B, "cause-500");
    expect(body).toBe("ERROR_SQL");
    expect(String(line?.cause)).toMatch(/^upstream 500: /);
  });

  it("the breaker open (after the second outage): nothing sent, says so", async () => {
    expect((await balanceWithCause(gw, lines, KEY_B, "cause-500-again")).body).toBe("ERROR_SQL");
    const { body, line } = await balanceWithCause(gw, lines, KEY_B, "cause-breaker");
    expect(body).toBe("ERROR_SQL");
    expect(line).toMatchObject({ cause: "breaker open", upstreamCalls: 0 });
    expect(await readiness(gw)).toMatchObject({
      breaker: "open",
      state: "down",
      lastError: "GET /wallet/balance: unavailable",
      healthySince: null,
    });
  });

  it("the breaker stays open for its cool-down, and each line says so; no line carries a key", async () => {
    await sb.control.clearFaults();
    const { body, line } = await balanceWithCause(gw, lines, KEY_A, "no-cause");
    expect(body).toBe("ERROR_SQL"); // the breaker is still open (long cool-down) …
    expect(line?.cause).toBe("breaker open"); // … and says so
    expect(JSON.stringify(lines)).not.toContain(KEY_A);
    expect(JSON.stringify(lines)).not.toContain(KEY_B);
  });
});

describe("/readyz: when the last error happened, and since when the upstream is healthy again", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    ({ gw } = await loggedGateway({ BREAKER_THRESHOLD: "100" }));
  });
  afterAll(async () => {
    await gw.close();
    await sb.control.clearFaults();
  });

  it("up, then down with lastErrorAt, then up again with a later healthySince", async () => {
    expect(await readiness(gw)).toEqual({
      breaker: "closed",
      state: "unknown",
      lastError: null,
      lastErrorAt: null,
      healthySince: null,
    });
    expect(await gw.call({ api_key: KEY_A, action: "getBalance" })).toBe("ACCESS_BALANCE:5.00");
    const up = await readiness(gw);
    expect(up).toMatchObject({ state: "up", lastError: null, lastErrorAt: null });
    expect(Date.parse(up.healthySince)).not.toBeNaN();

    await sb.control.setFaults([{ route: BALANCE, phase: "before", bare503: 1 }]);
    expect(await gw.call({ api_key: KEY_A, action: "getBalance" })).toBe("ERROR_SQL");
    const down = await readiness(gw);
    expect(down).toMatchObject({
      breaker: "closed",
      state: "down",
      lastError: "GET /wallet/balance: unavailable",
      healthySince: null,
    });
    expect(Date.parse(down.lastErrorAt)).toBeGreaterThanOrEqual(Date.parse(up.healthySince));

    await sb.control.clearFaults();
    expect(await gw.call({ api_key: KEY_A, action: "getBalance" })).toBe("ACCESS_BALANCE:5.00");
    const again = await readiness(gw);
    // the error is kept, with its time, but is no longer the current state
    expect(again).toMatchObject({ state: "up", lastError: down.lastError, lastErrorAt: down.lastErrorAt });
    expect(Date.parse(again.healthySince)).toBeGreaterThanOrEqual(Date.parse(down.lastErrorAt));
  });
});
