import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerOf } from "../../src/common/owner.js";
import { addKey, emptyKeyFile, writeKeyFile } from "../../src/keys/key-file.js";
import { checkMoney, LATE_AND_LOST, type LegacyCall, runFleet } from "../helpers/fleet.js";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { seededRandom } from "../helpers/random.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";
import { waitFor } from "../helpers/wait.js";

/**
 * Two gateway keys on one upstream key (KEYS_FILE): one bot buys, another lists. With gateway keys
 * an unmapped activation may be any of the key's bots' purchase in flight, so a listing shows only
 * what is mapped to its own key: the lister never sees, and never takes, a number the buyer got.
 */
const UPSTREAM_KEY = "fleet-keys-upstream-00000000000000";
const SEED = 4242;
let sb: TestSandbox;
let gw: TestGateway;
let buyerKey: string;
let listerKey: string;

beforeAll(async () => {
  sb = await startTestSandbox({
    clock: "real",
    random: seededRandom(SEED),
    config: {
      accounts: [{ apiKey: UPSTREAM_KEY, balance: "10000.00" }],
      autoSms: true,
      smsDelayMs: 4000,
      cancelCooldownS: 0,
      rateLimitPerS: 100_000,
      faults: LATE_AND_LOST,
    },
  });
  const buyer = addKey(emptyKeyFile(), { upstreamKey: UPSTREAM_KEY, label: "buyer" });
  const lister = addKey(buyer.file, { upstreamKey: UPSTREAM_KEY, label: "lister" });
  const keysFile = join(mkdtempSync(join(tmpdir(), "fleet-keys-")), "keys.json");
  writeKeyFile(keysFile, lister.file);
  buyerKey = buyer.gatewayKey;
  listerKey = lister.gatewayKey;
  gw = await startTestGateway({
    upstreamUrl: sb.baseUrl,
    env: {
      PURCHASE_TIMEOUT_MS: "1000",
      ORPHAN_SWEEP_S: "5",
      CATALOG_RATE_PER_S: "1000",
      KEYS_FILE: keysFile,
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

describe("two gateway keys on one upstream key: one buys, one lists", () => {
  it("the lister never sees a number the buyer got, and every activation is handed or refunded", async () => {
    const fleet = await runFleet({
      buyers: 6,
      durationMs: 15_000,
      buyerCall: caller(buyerKey),
      monitorCall: caller(listerKey),
      random: seededRandom(SEED + 1),
    });
    expect(fleet.handed.size).toBeGreaterThan(10);
    expect(fleet.monitorListings).toBeGreaterThan(10);
    expect([...fleet.monitorSaw]).toEqual([]);
    // and the buyer's own listing shows its own numbers
    const own = await caller(buyerKey)({ action: "getHistory" });
    expect(JSON.parse(own!).length).toBeGreaterThan(0);

    const { ids } = gw.running.deps;
    await waitFor(
      "every purchase intent settled",
      async () => ((await ids.openIntents()).length === 0 ? true : undefined),
      { timeoutMs: 60000, everyMs: 100 },
    );
    const owner = ownerOf(buyerKey);
    const money = await checkMoney(
      sb,
      UPSTREAM_KEY,
      fleet,
      async (id) => (await ids.resolve(Number(id), owner))?.upstreamId,
    );
    expect(money.handed + money.refundedUnhanded).toBe(money.sold);
  }, 120_000);
});
