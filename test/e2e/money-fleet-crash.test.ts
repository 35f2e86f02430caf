import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteIdStore, type SqliteIdStore } from "../../src/store/sqlite.js";
import {
  expectMoneySettled,
  killMidPurchaseAndRestart,
  type LegacyCall,
  runFleet,
  startFleetSandbox,
  twoGatewayKeys,
} from "../helpers/fleet.js";
import { rawRequest } from "../helpers/gateway.js";
import { freePort } from "../helpers/net.js";
import { type SpawnedGateway, spawnGateway } from "../helpers/process.js";
import { seededRandom } from "../helpers/random.js";
import type { TestSandbox } from "../helpers/sandbox.js";

/**
 * The fleets of money-fleet.test.ts (one key) and money-fleet-keys.test.ts (two gateway keys on one
 * upstream key: one buys, one lists) against the gateway as its own process, killed with SIGKILL
 * mid-run and started again on the same port and data directory. Purchases it never answered, and
 * answers it never finished writing, are settled by the restarted process at once: every
 * activation sold is handed to exactly one bot or refunded.
 */
const UPSTREAM_KEY = "fleet-crash-key-00000000000000000";

describe.each([
  { variant: "one key", twoKeys: false, salt: 7 },
  { variant: "two gateway keys: one buys, one lists", twoKeys: true, salt: 11 },
])("kill -9 of the gateway mid-run ($variant)", ({ twoKeys, salt }) => {
  let sb: TestSandbox;
  let gateway: SpawnedGateway | undefined;
  let store: SqliteIdStore | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), "fleet-crash-"));
  const keys = twoKeys ? twoGatewayKeys(UPSTREAM_KEY) : undefined;
  const buyerKey = keys?.buyerKey ?? UPSTREAM_KEY;
  const listerKey = keys?.listerKey ?? UPSTREAM_KEY;
  let env: Record<string, string>;
  /** purchase intents the killed process left open */
  let openAtCrash = 0;

  beforeAll(async () => {
    sb = await startFleetSandbox(UPSTREAM_KEY, { salt, smsDelayMs: 6000 });
    env = {
      UPSTREAM_URL: sb.baseUrl,
      PORT: String(await freePort()),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      LOG_LEVEL: "silent",
      PURCHASE_TIMEOUT_MS: "1000",
      ORPHAN_SWEEP_S: "5",
      CATALOG_RATE_PER_S: "1000",
      ...(keys && { KEYS_FILE: keys.keysFile }),
    };
    gateway = await spawnGateway(env);
  });
  afterAll(async () => {
    if (gateway && gateway.child.exitCode === null) gateway.child.kill("SIGKILL");
    await store?.close();
    await sb?.close();
  });

  const callAs =
    (key: string): LegacyCall =>
    async (params) => {
      const url = `http://127.0.0.1:${env.PORT}/stubs/handler_api.php?${new URLSearchParams({ api_key: key, ...params })}`;
      try {
        return (await rawRequest(url)).body.toString("utf8");
      } catch {
        return undefined; // the gateway is down: nothing was handed over
      }
    };

  /** At 6 s, once a purchase is committed upstream with its answer still on the way: SIGKILL, restart. */
  async function crashAndRestart(): Promise<void> {
    await new Promise((r) => setTimeout(r, 6000));
    const restarted = await killMidPurchaseAndRestart(sb, gateway!, env, {
      route: "POST /api/v1/activations",
      purchases: async () => (await sb.control.stats()).purchases,
    });
    gateway = restarted.gateway;
    openAtCrash = restarted.openAtCrash;
  }

  it("loses no money: every activation sold is handed to exactly one bot or refunded", async () => {
    const [fleet] = await Promise.all([
      runFleet({
        buyers: 8,
        durationMs: 15_000,
        buyerCall: callAs(buyerKey),
        monitorCall: callAs(listerKey),
        random: seededRandom(salt + 1),
      }),
      crashAndRestart(),
    ]);
    expect(fleet.handed.size).toBeGreaterThan(10);
    expect(fleet.tokens.get("(no answer)") ?? 0).toBeGreaterThan(0); // the crash was felt
    if (keys) expect([...fleet.monitorSaw]).toEqual([]);
    store = openSqliteIdStore({ dataDir });
    await expectMoneySettled(sb, store, fleet, {
      upstreamKey: UPSTREAM_KEY,
      buyerKey,
      buyerCall: callAs(buyerKey),
    });
    expect(openAtCrash).toBeGreaterThan(0); // the crash did leave purchases unanswered
  }, 120_000);
});
