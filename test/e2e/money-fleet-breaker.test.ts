import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { faultRuleSchema } from "../../src/sandbox/faults.js";
import {
  callerOf,
  expectMoneySettled,
  FLEET_GATEWAY_ENV,
  LATE_AND_LOST,
  runFleet,
  startFleetSandbox,
  twoGatewayKeys,
} from "../helpers/fleet.js";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { seededRandom } from "../helpers/random.js";
import type { TestSandbox } from "../helpers/sandbox.js";
import { pause } from "../helpers/wait.js";

/**
 * The fleets of money-fleet.test.ts (one key) and money-fleet-keys.test.ts (two gateway keys on one
 * upstream key: one buys, one lists) with the circuit breaker forced open mid-run: polls fail and
 * most purchase answers are lost for three seconds. The reconciliations and cancels that save money
 * go through the open breaker (a getNumber whose answer was lost retries its listing until the
 * outage ends); whatever they cannot settle at once is settled within seconds.
 */
const UPSTREAM_KEY = "fleet-breaker-key-0000000000000000";

/**
 * From 4 s on, for 3 s: reads and listings fail and half the purchases fail before the upstream
 * acts (outages in a row: they open the breaker); most other purchases lose their answer after the
 * commit (reconciled through the open breaker once it is lifted).
 */
async function outageMidRun(sb: TestSandbox, gw: TestGateway): Promise<Set<string>> {
  const states = new Set<string>();
  await pause(4000);
  const outage = [
    { route: "POST /api/v1/activations", phase: "before", error500: 0.5 },
    { route: "POST /api/v1/activations", phase: "after", drop: 0.7 },
    { route: "GET /api/v1/activations/:id", phase: "before", error500: 1 },
    { route: "GET /api/v1/activations", phase: "before", error500: 1 },
  ].map((rule) => faultRuleSchema.parse(rule));
  await sb.control.setFaults(outage);
  const until = Date.now() + 3000;
  while (Date.now() < until) {
    states.add(gw.running.deps.upstream.breaker.state);
    await pause(50);
  }
  await sb.control.setFaults(LATE_AND_LOST);
  return states;
}

describe.each([
  { variant: "one key", twoKeys: false, salt: 5 },
  { variant: "two gateway keys: one buys, one lists", twoKeys: true, salt: 9 },
])("the breaker forced open mid-run ($variant)", ({ twoKeys, salt }) => {
  let sb: TestSandbox;
  let gw: TestGateway;
  const keys = twoKeys ? twoGatewayKeys(UPSTREAM_KEY) : undefined;
  const buyerKey = keys?.buyerKey ?? UPSTREAM_KEY;
  const listerKey = keys?.listerKey ?? UPSTREAM_KEY;

  beforeAll(async () => {
    sb = await startFleetSandbox(UPSTREAM_KEY, { salt });
    gw = await startTestGateway({
      upstreamUrl: sb.baseUrl,
      env: {
        ...FLEET_GATEWAY_ENV,
        BREAKER_THRESHOLD: "3",
        BREAKER_COOLDOWN_MS: "1500",
        ...(keys && { KEYS_FILE: keys.keysFile }),
      },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await sb?.close();
  });

  it("still hands every activation sold to exactly one bot or refunds it", async () => {
    const [fleet, breakerStates] = await Promise.all([
      runFleet({
        buyers: 8,
        durationMs: 15_000,
        buyerCall: callerOf(gw, buyerKey),
        monitorCall: callerOf(gw, listerKey),
        random: seededRandom(salt + 1),
      }),
      outageMidRun(sb, gw),
    ]);
    expect(breakerStates.has("open")).toBe(true);
    expect(fleet.handed.size).toBeGreaterThan(10);
    if (keys) expect([...fleet.monitorSaw]).toEqual([]);
    await expectMoneySettled(sb, gw.running.deps.ids, fleet, {
      upstreamKey: UPSTREAM_KEY,
      buyerKey,
      buyerCall: callerOf(gw, buyerKey),
    });
  }, 120_000);
});
