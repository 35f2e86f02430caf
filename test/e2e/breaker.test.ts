import { describe, expect, it } from "vitest";
import { failRoute, setFaultRules } from "../helpers/faults.js";
import { buy, usePair } from "../helpers/gateway.js";
import { startHarness } from "../helpers/harness.js";
import { waitFor } from "../helpers/wait.js";

/**
 * The circuit breaker counts outages only, fails fast while open and recovers through a probe;
 * a cancel, which returns a charge, goes through it while open. The gateway runs in process; the breaker's cool-down is real time. The ten calls that fail fast
 * take about 20 ms (measured under load): the cool-down is fifty times that, so they all fall
 * inside it; the recovery is waited for, not slept.
 */
const COOLDOWN_MS = 1000;
const pair = usePair(() =>
  startHarness({
    sandbox: { config: { autoSms: false } },
    gateway: {
      env: {
        BREAKER_THRESHOLD: "3",
        BREAKER_COOLDOWN_MS: String(COOLDOWN_MS),
        STATUS_CACHE_MS: "0",
        TRACK_INTERVAL_MS: "0",
      },
    },
  }),
);

const balance = () => pair.gw.call({ api_key: pair.key, action: "getBalance" });
const readiness = async () => {
  const res = await pair.gw.fetch("/readyz");
  expect(res.status).toBe(200); // an upstream outage never makes the gateway unready
  return res.json() as Promise<{ upstream: { breaker: string } }>;
};

describe("circuit breaker", () => {
  it("stockouts, bad keys and 404s never open it", async () => {
    const { sb, gw, key } = pair;
    await sb.control.setOffer("tg", "GB", { stock: 0 });
    for (let i = 0; i < 5; i++) {
      expect(await gw.call({ api_key: key, action: "getNumber", service: "tg", country: "16" })).toBe(
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
    const { sb } = pair;
    await failRoute(sb, "*", { bare503: 1 });
    await sb.control.resetStats();
    for (let i = 0; i < 10; i++) expect(await balance()).toBe("ERROR_SQL");
    const calls = (await sb.control.stats()).requests["GET /api/v1/wallet/balance"] ?? 0;
    expect(calls).toBe(3);
    expect((await readiness()).upstream.breaker).toBe("open");

    await sb.control.clearFaults();
    // after the cool-down the next call is the probe: wait for the breaker to let one through
    await waitFor("the cool-down to end", async () => (await readiness()).upstream.breaker === "half-open");
    expect(await balance()).toMatch(/^ACCESS_BALANCE:/);
    expect((await readiness()).upstream.breaker).toBe("closed");
  });
});

describe("a cancel while the breaker is open", () => {
  const open = usePair(() =>
    startHarness({
      sandbox: { config: { autoSms: false, cancelCooldownS: 0 } },
      // the tracker on (the default): a poll's state comes from it, not from a read the breaker refuses
      gateway: { env: { BREAKER_THRESHOLD: "3", BREAKER_COOLDOWN_MS: "60000" } },
    }),
  );

  it("goes through it and returns the charge", async () => {
    const { sb, gw, key } = open;
    const { id } = await buy(gw, key);
    // Every read fails (the tracker's listings too, so none closes the breaker); a cancel would not.
    await setFaultRules(
      sb,
      ["GET /api/v1/wallet/balance", "GET /api/v1/activations", "GET /api/v1/activations/:id"].map(
        (route) => ({ route, phase: "before", bare503: 1 }),
      ),
    );
    await waitFor("failed reads to open the breaker", async () => {
      expect(await gw.call({ api_key: key, action: "getBalance" })).toBe("ERROR_SQL");
      return gw.deps.upstream.breaker.state === "open";
    });
    expect(await gw.call({ api_key: key, action: "setStatus", id, status: "8" })).toBe("ACCESS_CANCEL");
    expect((await sb.control.activations(key)).map((a) => a.status)).toEqual(["CANCELLED"]);
  });
});
