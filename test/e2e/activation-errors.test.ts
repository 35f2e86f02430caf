import { afterEach, describe, expect, it } from "vitest";
import { failRoute, PURCHASE_ROUTE } from "../helpers/faults.js";
import { buy, usePair } from "../helpers/gateway.js";
import { startHarness } from "../helpers/harness.js";
import { DEMO_API_KEY } from "../helpers/sandbox.js";
import { waitFor } from "../helpers/wait.js";

/**
 * Upstream failures → legacy tokens (legacy-protocol.md §6b), each caused through the sandbox. The
 * gateway runs in process (`app.request()`); its calls to the sandbox are real HTTP.
 */
const key = DEMO_API_KEY;
const pair = usePair(() =>
  startHarness({
    sandbox: { config: { autoSms: false, cancelCooldownS: 0 } },
    gateway: {
      // The breaker is tested on its own: here every failure must reach the upstream.
      env: {
        STATUS_CACHE_MS: "0",
        TRACK_INTERVAL_MS: "0", // per-activation reads: each poll meets the fault
        UPSTREAM_TIMEOUT_MS: "300",
        PURCHASE_TIMEOUT_MS: "300",
        BREAKER_THRESHOLD: "1000",
      },
    },
  }),
);
afterEach(async () => {
  await pair.sb.control.clearFaults();
});

const call = (params: Record<string, string>) => pair.gw.call({ api_key: key, ...params });
const buyTg = () => call({ action: "getNumber", service: "tg", country: "62" });

describe("purchase refusals", () => {
  it("out of stock → NO_NUMBERS", async () => {
    await pair.sb.control.setOffer("wa", "ID", { stock: 0 });
    expect(await call({ action: "getNumber", service: "wa", country: "6" })).toBe("NO_NUMBERS");
    await pair.sb.control.setOffer("wa", "ID", { stock: 100 });
  });

  it("no funds → NO_BALANCE, and nothing is bought", async () => {
    const poor = "poor-key-00000000000000000000000";
    await pair.sb.control.account(poor, "0.01");
    expect(await pair.gw.call({ api_key: poor, action: "getNumber", service: "tg", country: "62" })).toBe(
      "NO_BALANCE",
    );
    expect(await pair.sb.control.activations(poor)).toEqual([]);
  });

  it("an unknown service → BAD_SERVICE; a missing one too", async () => {
    expect(await call({ action: "getNumber", service: "zzzz", country: "62" })).toBe("BAD_SERVICE");
    expect(await call({ action: "getNumber", country: "62" })).toBe("BAD_SERVICE");
  });

  it("an unknown country → BAD_COUNTRY", async () => {
    expect(await call({ action: "getNumber", service: "tg", country: "9999" })).toBe("BAD_COUNTRY");
    expect(await call({ action: "getNumber", service: "tg", country: "ZZ" })).toBe("BAD_COUNTRY");
  });
});

describe("upstream outages are ERROR_SQL, never NO_NUMBERS", () => {
  it.each([
    ["a bare 503", { bare503: 1 }],
    ["a 500", { error500: 1 }],
    ["a dropped connection", { drop: 1 }],
    ["a timeout", { latencyMs: 1000 }],
  ])("%s on the purchase", async (_name, f) => {
    await failRoute(pair.sb, PURCHASE_ROUTE, f);
    expect(await buyTg()).toBe("ERROR_SQL");
  });

  it.each([
    ["a bare 503", { bare503: 1 }],
    ["a dropped connection", { drop: 1 }],
    ["a timeout", { latencyMs: 1000 }],
  ])("%s on getStatus and setStatus", async (_name, f) => {
    const { id } = await buy(pair.gw, key);
    await failRoute(pair.sb, "GET /api/v1/activations/:id", f);
    expect(await call({ action: "getStatus", id })).toBe("ERROR_SQL");
    expect(await call({ action: "getStatusV2", id })).toBe("ERROR_SQL");
    expect(await call({ action: "setStatus", id, status: "8" })).toBe("ERROR_SQL");
  });

  it("a 429 → ERROR_SQL, and the key's reads wait out Retry-After without calling the upstream; a purchase waits it out and is sent once", async () => {
    await failRoute(pair.sb, "GET /api/v1/wallet/balance", { error429: 1 }); // the sandbox says Retry-After: 1
    expect(await call({ action: "getBalance" })).toBe("ERROR_SQL");
    await pair.sb.control.clearFaults();
    await pair.sb.control.resetStats();
    expect(await call({ action: "getBalance" })).toBe("ERROR_SQL");
    // a purchase is a write: it goes first, waiting the back-off out rather than failing
    expect(await call({ action: "getNumber", service: "tg", country: "62" })).toMatch(/^ACCESS_NUMBER:/);
    const during = await pair.sb.control.stats();
    expect(during.requests["GET /api/v1/wallet/balance"] ?? 0).toBe(0);
    expect(during.purchases).toBe(1);
    // once the second has passed (real time), the key calls the upstream again
    await waitFor("the key's Retry-After to pass", async () =>
      /^ACCESS_BALANCE:/.test(await call({ action: "getBalance" })),
    );
  });

  it("a 500 on the balance → ERROR_SQL", async () => {
    await failRoute(pair.sb, "GET /api/v1/wallet/balance", { error500: 1 });
    expect(await call({ action: "getBalance" })).toBe("ERROR_SQL");
  });

  it("a 500 on the cancel itself → ERROR_SQL, and the activation is still there", async () => {
    const { id } = await buy(pair.gw, key);
    await failRoute(pair.sb, "DELETE /api/v1/activations/:id", { error500: 1 });
    expect(await call({ action: "setStatus", id, status: "8" })).toBe("ERROR_SQL");
    await pair.sb.control.clearFaults();
    expect(await call({ action: "getStatus", id })).toBe("STATUS_WAIT_CODE");
  });

  it("a stopped upstream → ERROR_SQL for every keyed action", async () => {
    const other = await startHarness({
      sandbox: { config: { autoSms: false } },
      gateway: { env: { STATUS_CACHE_MS: "0", TRACK_INTERVAL_MS: "0" } },
    });
    try {
      const { id } = await buy(other.gw, other.key);
      await other.sb.close();
      const calls: Record<string, string>[] = [
        { action: "getBalance" },
        { action: "getNumber", service: "tg", country: "62" },
        { action: "getStatus", id },
        { action: "setStatus", id, status: "8" },
        { action: "getActiveActivations" },
      ];
      for (const params of calls) {
        expect(await other.gw.call({ api_key: other.key, ...params })).toBe("ERROR_SQL");
      }
    } finally {
      await other.close();
    }
  });
});
