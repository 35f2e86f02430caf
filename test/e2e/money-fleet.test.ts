import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  callerOf,
  expectMoneySettled,
  FLEET_GATEWAY_ENV,
  runFleet,
  startFleetSandbox,
} from "../helpers/fleet.js";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { seededRandom } from "../helpers/random.js";
import type { TestSandbox } from "../helpers/sandbox.js";

/**
 * Money under a fleet (docs/legacy-protocol.md §6): buyers, pollers and a monitor listing at once,
 * purchase answers late or lost after the upstream committed them. Every activation sold is handed
 * to exactly one bot or refunded; a listing never takes a purchase in flight.
 */
const KEY = "fleet-key-000000000000000000000000";
let sb: TestSandbox;
let gw: TestGateway;

beforeAll(async () => {
  sb = await startFleetSandbox(KEY, { salt: 1 });
  gw = await startTestGateway({ upstreamUrl: sb.baseUrl, env: FLEET_GATEWAY_ENV });
});
afterAll(async () => {
  await gw?.close();
  await sb?.close();
});

describe("8 buyers and a monitor listing every 250 ms, purchase answers late or lost", () => {
  it("hands every activation sold to exactly one bot or refunds it", async () => {
    const fleet = await runFleet({
      buyers: 8,
      durationMs: 15_000,
      buyerCall: callerOf(gw, KEY),
      monitorCall: callerOf(gw, KEY),
      random: seededRandom(2),
    });
    expect(fleet.handed.size).toBeGreaterThan(10);
    expect(fleet.monitorListings).toBeGreaterThan(10);
    // No purchase ended in ERROR_SQL because a listing had taken it: each lost answer was
    // reconciled (handed to its bot), or refunded when it could not be.
    await expectMoneySettled(sb, gw.running.deps.ids, fleet, {
      upstreamKey: KEY,
      buyerCall: callerOf(gw, KEY),
    });
  }, 120_000);
});
