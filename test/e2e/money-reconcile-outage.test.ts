import { describe, expect, it } from "vitest";
import { PURCHASE_ROUTE, setFaultRules } from "../helpers/faults.js";
import { type Pair, parseAccessNumber, usePair } from "../helpers/gateway.js";
import { type InProcessGateway, startHarness } from "../helpers/harness.js";
import { DEMO_API_KEY, type TestSandbox } from "../helpers/sandbox.js";
import { waitFor } from "../helpers/wait.js";

/**
 * A purchase whose answer is lost while the upstream also refuses listings: the getNumber keeps
 * retrying the reconciliation's listing (RECONCILE_WAIT_MS) and hands out the number once the
 * upstream lists again; given up, the purchase is left to the settler, which refunds it.
 */
const key = DEMO_API_KEY;
const LIST_ROUTE = "GET /api/v1/activations";

/** Every purchase is charged and its connection dropped; every listing fails before it runs. */
const lostAnswerAndNoListings = (sb: TestSandbox) =>
  setFaultRules(sb, [
    { route: PURCHASE_ROUTE, phase: "after", drop: 1 },
    { route: LIST_ROUTE, phase: "before", error500: 1 },
  ]);

const listingsTried = async (sb: TestSandbox) => (await sb.control.stats()).requests[LIST_ROUTE] ?? 0;

/** A gateway (1 s purchase deadline, plus `env`) in front of a sandbox that sends no SMS by itself. */
const usePairWith = (env: Record<string, string>) =>
  usePair(() =>
    startHarness({
      sandbox: { config: { autoSms: false, cancelCooldownS: 0 } },
      gateway: { env: { PURCHASE_TIMEOUT_MS: "1000", ...env } },
    }),
  );

const getNumber = (pair: Pair<InProcessGateway>) =>
  pair.gw.call({ api_key: key, action: "getNumber", service: "tg", country: "62" });

describe("a lost purchase answer during a listing outage", () => {
  const pair = usePairWith({ BREAKER_THRESHOLD: "2", RECONCILE_WAIT_MS: "20000" });

  it("getNumber waits for the upstream to list again and hands out the number it bought", async () => {
    await lostAnswerAndNoListings(pair.sb);
    const answer = getNumber(pair);
    // the listing is refused again and again (through the breaker the failures open) …
    await waitFor("three refused listings", async () => (await listingsTried(pair.sb)) >= 3);
    expect(pair.gw.deps.upstream.breaker.state).toBe("open");
    // … until the outage ends: the purchase is then found and handed out, not bought again
    await pair.sb.control.clearFaults();
    const { id, phone } = parseAccessNumber(await answer);
    const bought = await pair.sb.control.activations(key);
    expect(bought).toHaveLength(1);
    expect(bought[0]).toMatchObject({ phoneNumber: expect.stringContaining(phone), status: "WAITING" });
    expect(await pair.gw.call({ api_key: key, action: "getStatus", id })).toBe("STATUS_WAIT_CODE");
  });
});

describe("a listing outage longer than RECONCILE_WAIT_MS", () => {
  const pair = usePairWith({ RECONCILE_WAIT_MS: "1500", ORPHAN_SWEEP_S: "1" });

  it("answers ERROR_SQL after a few listings, and the settler refunds the purchase once the upstream lists again", async () => {
    await lostAnswerAndNoListings(pair.sb);
    expect(await getNumber(pair)).toBe("ERROR_SQL");
    expect(await listingsTried(pair.sb)).toBeGreaterThanOrEqual(3); // at 0, 0.25 and 0.75 s at least
    await pair.sb.control.clearFaults();
    const [activation] = await waitFor("the lost purchase refunded", async () => {
      const all = await pair.sb.control.activations(key);
      return all[0]?.status === "CANCELLED" && all.length === 1 ? all : undefined;
    });
    expect(activation).toBeDefined();
  });
});
