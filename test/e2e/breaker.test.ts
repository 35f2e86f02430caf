import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

/** The circuit breaker counts outages only, fails fast while open and recovers through a probe. */
let sb: TestSandbox;
let gw: TestGateway;

beforeAll(async () => {
  sb = await startTestSandbox({ clock: "real", config: { autoSms: false } });
  gw = await startTestGateway({
    upstreamUrl: sb.baseUrl,
    env: { BREAKER_THRESHOLD: "3", BREAKER_COOLDOWN_MS: "500", STATUS_CACHE_MS: "0", TRACK_INTERVAL_MS: "0" },
  });
});
afterAll(async () => {
  await gw.close();
  await sb.close();
});

const balance = () => gw.call({ api_key: sb.apiKey, action: "getBalance" });
const readiness = async () => JSON.parse((await gw.raw("/readyz")).body.toString());

describe("circuit breaker", () => {
  it("stockouts, bad keys and 404s never open it", async () => {
    await sb.control.setOffer("tg", "GB", { stock: 0 });
    for (let i = 0; i < 5; i++) {
      expect(await gw.call({ api_key: sb.apiKey, action: "getNumber", service: "tg", country: "16" })).toBe(
        "NO_NUMBERS",
      );
      expect(await gw.call({ api_key: "not-a-known-key-000000000000000", action: "getBalance" })).toBe(
        "BAD_KEY",
      );
    }
    await sb.control.setOffer("tg", "GB", { stock: 10 });
    expect((await readiness()).upstream.breaker).toBe("closed");
  });

  it("opens after repeated outages, fails fast without calling the upstream, then recovers", async () => {
    await sb.control.setFaults([{ route: "*", phase: "before", bare503: 1 }]);
    await sb.control.resetStats();
    for (let i = 0; i < 10; i++) expect(await balance()).toBe("ERROR_SQL");
    const calls = (await sb.control.stats()).requests["GET /api/v1/wallet/balance"] ?? 0;
    expect(calls).toBe(3);
    const ready = await gw.raw("/readyz");
    expect(ready.status).toBe(200); // an upstream outage never makes the gateway unready
    expect(JSON.parse(ready.body.toString()).upstream).toMatchObject({ breaker: "open" });

    await sb.control.clearFaults();
    await new Promise((r) => setTimeout(r, 600));
    expect(await balance()).toMatch(/^ACCESS_BALANCE:/);
    expect((await readiness()).upstream.breaker).toBe("closed");
  });
});
