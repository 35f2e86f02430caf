import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  callerOf,
  expectMoneySettled,
  FLEET_GATEWAY_ENV,
  runFleet,
  startFleetSandbox,
  twoGatewayKeys,
} from "../helpers/fleet.js";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { seededRandom } from "../helpers/random.js";
import type { TestSandbox } from "../helpers/sandbox.js";

/**
 * Two gateway keys on one upstream key (KEYS_FILE): one bot buys, another lists. With gateway keys
 * an unmapped activation may be any of the key's bots' purchase in flight, so a listing shows only
 * what is mapped to its own key: the lister never sees, and never takes, a number the buyer got.
 */
const UPSTREAM_KEY = "fleet-keys-upstream-00000000000000";
let sb: TestSandbox;
let gw: TestGateway;
let keys: ReturnType<typeof twoGatewayKeys>;

beforeAll(async () => {
  sb = await startFleetSandbox(UPSTREAM_KEY, { salt: 3 });
  keys = twoGatewayKeys(UPSTREAM_KEY);
  gw = await startTestGateway({
    upstreamUrl: sb.baseUrl,
    env: { ...FLEET_GATEWAY_ENV, KEYS_FILE: keys.keysFile },
  });
});
afterAll(async () => {
  await gw?.close();
  await sb?.close();
});

describe("two gateway keys on one upstream key: one buys, one lists", () => {
  it("the lister never sees a number the buyer got, and every activation is handed or refunded", async () => {
    const fleet = await runFleet({
      buyers: 6,
      durationMs: 15_000,
      buyerCall: callerOf(gw, keys.buyerKey),
      monitorCall: callerOf(gw, keys.listerKey),
      random: seededRandom(4),
    });
    expect(fleet.handed.size).toBeGreaterThan(10);
    expect(fleet.monitorListings).toBeGreaterThan(10);
    expect([...fleet.monitorSaw]).toEqual([]);
    // and the buyer's own listing shows its own numbers
    const own = await callerOf(gw, keys.buyerKey)({ action: "getHistory" });
    expect(JSON.parse(own!).length).toBeGreaterThan(0);

    await expectMoneySettled(sb, gw.running.deps.ids, fleet, {
      upstreamKey: UPSTREAM_KEY,
      buyerKey: keys.buyerKey,
      buyerCall: callerOf(gw, keys.buyerKey),
    });
  }, 120_000);
});
