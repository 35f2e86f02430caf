import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerOf } from "../../src/common/owner.js";
import { checkMoney, LATE_AND_LOST, type LegacyCall, runFleet } from "../helpers/fleet.js";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { seededRandom } from "../helpers/random.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";
import { waitFor } from "../helpers/wait.js";

/**
 * Money under a fleet (docs/legacy-protocol.md §6): buyers, pollers and a monitor listing at once,
 * purchase answers late or lost after the upstream committed them. Every activation sold is handed
 * to exactly one bot or refunded; a listing never takes a purchase in flight.
 */
const KEY = "fleet-key-000000000000000000000000";
const SEED = 20261129;
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
    env: { PURCHASE_TIMEOUT_MS: "1000", ORPHAN_SWEEP_S: "5", CATALOG_RATE_PER_S: "1000" },
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

describe("8 buyers and a monitor listing every 250 ms, purchase answers late or lost", () => {
  it("hands every activation sold to exactly one bot or refunds it", async () => {
    const fleet = await runFleet({
      buyers: 8,
      durationMs: 15_000,
      buyerCall: caller(KEY),
      monitorCall: caller(KEY),
      random: seededRandom(SEED + 1),
    });
    expect(fleet.handed.size).toBeGreaterThan(10);
    expect(fleet.monitorListings).toBeGreaterThan(10);
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
    expect(money.sold).toBeGreaterThanOrEqual(money.handed);
    // The buyers bought through the monitor's listings: none of their purchases ended in ERROR_SQL
    // because a listing had taken it (a lost answer is reconciled, or refunded when it cannot be).
    expect(money.handed + money.refundedUnhanded).toBe(money.sold);
  }, 120_000);
});
