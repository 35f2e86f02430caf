import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpCall, legacy } from "../helpers/ops.js";
import { type SpawnedGateway, spawnGateway } from "../helpers/process.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";
import { waitFor } from "../helpers/wait.js";

/**
 * Request logging, through the compiled process: one structured JSON line per legacy request
 * (request id, action, token, latency, upstream calls, path without the query), and with
 * LOG_PRETTY=1 one readable, non-JSON line per request.
 */
const KEY = "loggingKey_8a1f6c3e9d2b7054";
let sb: TestSandbox;

beforeAll(async () => {
  sb = await startTestSandbox({
    clock: "real",
    config: { autoSms: false, accounts: [{ apiKey: KEY, balance: "10.00" }] },
  });
});
afterAll(async () => {
  await sb.close();
});

const env = (extra: Record<string, string>) => ({
  UPSTREAM_URL: sb.baseUrl,
  PORT: "0",
  HOST: "127.0.0.1",
  DATA_DIR: mkdtempSync(join(tmpdir(), "gw-ops-logging-")),
  ...extra,
});
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes
const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");

describe("request logs (compiled process)", () => {
  let gw: SpawnedGateway;
  beforeAll(async () => {
    gw = await spawnGateway(env({ LOG_LEVEL: "info" }));
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it("one JSON line per legacy request with id, action, token, latency and upstream calls; no query", async () => {
    const a = await httpCall(`${gw.legacyUrl}?api_key=${KEY}&action=getBalance`, {
      headers: { "x-request-id": "ops-log-1" },
    });
    expect(a.body).toBe("ACCESS_BALANCE:10.00");
    expect(a.headers["x-request-id"]).toBe("ops-log-1");
    const b = await legacy(gw.legacyUrl, { action: "getBalance", api_key: "wrongKey_00112233445566" });
    expect(b.body).toBe("BAD_KEY");
    const generatedId = b.headers["x-request-id"];
    expect(generatedId).toMatch(/^[\w.-]+$/);

    const lines = await waitFor("two request lines", async () => {
      const found = gw
        .stdout()
        .split("\n")
        .slice(0, -1) // complete lines only
        .filter((l) => l.includes('"legacy request"'));
      return found.length >= 2 ? found : undefined;
    });
    expect(lines).toHaveLength(2);
    const [first, second] = lines.map((l) => JSON.parse(l));
    expect(first).toMatchObject({
      level: 30,
      reqId: "ops-log-1",
      method: "GET",
      url: "/stubs/handler_api.php",
      action: "getBalance",
      token: "ACCESS_BALANCE",
      upstreamCalls: 1,
      msg: "legacy request",
    });
    expect(typeof first.ms).toBe("number");
    expect(typeof first.time).toBe("number");
    expect(second).toMatchObject({ reqId: generatedId, action: "getBalance", token: "BAD_KEY" });
    expect(gw.stdout()).not.toContain("api_key");
    expect(gw.stdout()).not.toContain(KEY);
  });
});

describe("LOG_PRETTY=1 (compiled process)", () => {
  it("one readable, non-JSON line per request; keeps serving; SIGTERM still exits 0", async () => {
    const gw = await spawnGateway(env({ LOG_LEVEL: "info", LOG_PRETTY: "1" }));
    try {
      expect((await legacy(gw.legacyUrl, { api_key: KEY, action: "getBalance" })).body).toBe(
        "ACCESS_BALANCE:10.00",
      );
      expect(
        (await legacy(gw.legacyUrl, { api_key: KEY, action: "getNumber", service: "tg", country: "62" }))
          .body,
      ).toMatch(/^ACCESS_NUMBER:/);
      expect((await legacy(gw.legacyUrl, { api_key: KEY, action: "getStatus", id: "999999" })).body).toBe(
        "NO_ACTIVATION",
      );
      // pino-pretty runs in a worker thread: its lines arrive a little later (complete lines only)
      const out = await waitFor("the pretty request lines", async () => {
        const text = stripAnsi(gw.stdout());
        const complete = text.slice(0, text.lastIndexOf("\n") + 1);
        return (complete.match(/legacy request/g) ?? []).length >= 3 ? complete : undefined;
      });
      const logLines = out.split("\n").filter((l) => /^\[[\d:.]+\] [A-Z]+:/.test(l));
      const requestLines = logLines.filter((l) => /legacy request/.test(l));
      expect(requestLines).toHaveLength(3);
      const expected = [
        ["getBalance", "ACCESS_BALANCE"],
        ["getNumber", "ACCESS_NUMBER"],
        ["getStatus", "NO_ACTIVATION"],
      ];
      requestLines.forEach((line, i) => {
        expect(line).toMatch(/^\[[\d:.]+\] INFO: legacy request \{.*\}$/);
        expect(line).toContain(`"action":"${expected[i]![0]}"`);
        expect(line).toContain(`"token":"${expected[i]![1]}"`);
        expect(() => JSON.parse(line)).toThrow();
      });
      // nothing else but the banner: no field spread over lines of its own
      const other = out.split("\n").filter((l) => l.trim() !== "" && !logLines.includes(l));
      expect(
        other.every((l) => /^(SMS-Activate compatibility gateway| {2}[a-z ]+:)/.test(l)),
        other.join("\n"),
      ).toBe(true);
      expect(out).not.toMatch(/^\s+(action|token|reqId): /m);
      expect(out).not.toContain('{"level"');
      expect(out).not.toContain(KEY);
      expect(gw.stderr()).toBe("");
      expect((await httpCall(`${gw.url}/healthz`)).status).toBe(200);
    } finally {
      expect(await gw.stop()).toEqual({ code: 0, signal: null });
    }
  });
});
