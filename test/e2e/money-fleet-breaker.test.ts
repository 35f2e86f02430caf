import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerOf } from "../../src/common/owner.js";
import { faultRuleSchema } from "../../src/sandbox/faults.js";
import { checkMoney, LATE_AND_LOST, type LegacyCall, runFleet } from "../helpers/fleet.js";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { seededRandom } from "../helpers/random.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";
import { waitFor } from "../helpers/wait.js";

/**
 * The fleet of money-fleet.test.ts with the circuit breaker forced open mid-run: polls fail and
 * most purchase answers are lost for three seconds. The reconciliations and cancels that save
 * money go through the open breaker; whatever they cannot settle at once is settled within seconds.
 */
const KEY = "fleet-breaker-key-0000000000000000";
const SEED = 11291;
let sb: TestSandbox;
let gw: TestGateway;

beforeAll(async () => {
  sb = await startTestSandbox({
    clock: "real",
    random: seededRandom(SEED),
    config: {
      accounts: [{ apiKey: KEY, balance: "10000.00" }],
      autoSms: true,
      smsDelayMs: 4000,
      cancelCooldownS: 0,
      rateLimitPerS: 100_000,
      faults: LATE_AND_LOST,
    },
  });
  gw = await startTestGateway({
    upstreamUrl: sb.baseUrl,
    env: {
      PURCHASE_TIMEOUT_MS: "1000",
      ORPHAN_SWEEP_S: "5",
      CATALOG_RATE_PER_S: "1000",
      BREAKER_THRESHOLD: "3",
      BREAKER_COOLDOWN_MS: "1500",
    },
  });
});
afterAll(async () => {
  await gw?.close();
  await sb?.close();
});

const caller =
  (key: string): LegacyCall =>
  (params) =>
    gw.call({ api_key: key, ...params }).catch(() => undefined);

/**
 * From 4 s on, for 3 s: half the purchases fail before the upstream acts (outages: they open the
 * breaker) and most others lose their answer after the commit (reconciled through the open breaker).
 */
async function outageMidRun(): Promise<Set<string>> {
  const states = new Set<string>();
  await new Promise((r) => setTimeout(r, 4000));
  const outage = [
    { route: "POST /api/v1/activations", phase: "before", error500: 0.5 },
    { route: "POST /api/v1/activations", phase: "after", drop: 0.7 },
    { route: "GET /api/v1/activations/:id", phase: "before", error500: 1 },
  ].map((rule) => faultRuleSchema.parse(rule));
  await sb.control.setFaults(outage);
  const until = Date.now() + 3000;
  while (Date.now() < until) {
    states.add(gw.running.deps.upstream.breaker.state);
    await new Promise((r) => setTimeout(r, 50));
  }
  await sb.control.setFaults(LATE_AND_LOST);
  return states;
}

describe("the breaker forced open mid-run", () => {
  it("still hands every activation sold to exactly one bot or refunds it", async () => {
    const [fleet, breakerStates] = await Promise.all([
      runFleet({
        buyers: 8,
        durationMs: 15_000,
        buyerCall: caller(KEY),
        monitorCall: caller(KEY),
        random: seededRandom(SEED + 1),
      }),
      outageMidRun(),
    ]);
    expect(breakerStates.has("open")).toBe(true);
    expect(fleet.handed.size).toBeGreaterThan(10);
    const { ids } = gw.running.deps;
    await waitFor(
      "every purchase intent settled",
      async () => ((await ids.openIntents()).length === 0 ? true : undefined),
      { timeoutMs: 60000, everyMs: 100 },
    );
    const owner = ownerOf(KEY);
    const money = await checkMoney(
      sb,
      KEY,
      fleet,
      async (id) => (await ids.resolve(Number(id), owner))?.upstreamId,
    );
    expect(money.handed + money.refundedUnhanded).toBe(money.sold);
  }, 120_000);
});
