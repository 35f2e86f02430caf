import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { faultRuleSchema } from "../../src/sandbox/faults.js";
import {
  callerOf,
  expectMoneySettled,
  FLEET_GATEWAY_ENV,
  LATE_AND_LOST,
  runFleet,
  startFleetSandbox,
} from "../helpers/fleet.js";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { seededRandom } from "../helpers/random.js";
import type { TestSandbox } from "../helpers/sandbox.js";

/**
 * The fleet of money-fleet.test.ts with the circuit breaker forced open mid-run: polls fail and
 * most purchase answers are lost for three seconds. The reconciliations and cancels that save
 * money go through the open breaker; whatever they cannot settle at once is settled within seconds.
 */
const KEY = "fleet-breaker-key-0000000000000000";
let sb: TestSandbox;
let gw: TestGateway;

beforeAll(async () => {
  sb = await startFleetSandbox(KEY, { salt: 5 });
  gw = await startTestGateway({
    upstreamUrl: sb.baseUrl,
    env: { ...FLEET_GATEWAY_ENV, BREAKER_THRESHOLD: "3", BREAKER_COOLDOWN_MS: "1500" },
  });
});
afterAll(async () => {
  await gw?.close();
  await sb?.close();
});

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
        buyerCall: callerOf(gw, KEY),
        monitorCall: callerOf(gw, KEY),
        random: seededRandom(6),
      }),
      outageMidRun(),
    ]);
    expect(breakerStates.has("open")).toBe(true);
    expect(fleet.handed.size).toBeGreaterThan(10);
    await expectMoneySettled(sb, gw.running.deps.ids, fleet, { upstreamKey: KEY });
  }, 120_000);
});
