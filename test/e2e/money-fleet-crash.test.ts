import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { faultRuleSchema } from "../../src/sandbox/faults.js";
import { openSqliteIdStore, type SqliteIdStore } from "../../src/store/sqlite.js";
import {
  expectMoneySettled,
  LATE_AND_LOST,
  type LegacyCall,
  runFleet,
  startFleetSandbox,
} from "../helpers/fleet.js";
import { rawRequest } from "../helpers/gateway.js";
import { freePort } from "../helpers/net.js";
import { type SpawnedGateway, spawnGateway } from "../helpers/process.js";
import { seededRandom } from "../helpers/random.js";
import type { TestSandbox } from "../helpers/sandbox.js";
import { waitFor } from "../helpers/wait.js";

/**
 * The fleet of money-fleet.test.ts against the gateway as its own process, killed with SIGKILL
 * mid-run and started again on the same port and data directory. Purchases it never answered, and
 * answers it never finished writing, are settled by the restarted process at once: every
 * activation sold is handed to exactly one bot or refunded.
 */
const KEY = "fleet-crash-key-00000000000000000";
let sb: TestSandbox;
let gateway: SpawnedGateway | undefined;
let store: SqliteIdStore | undefined;
const dataDir = mkdtempSync(join(tmpdir(), "fleet-crash-"));
let env: Record<string, string>;
/** purchase intents the killed process left open */
let openAtCrash = 0;

beforeAll(async () => {
  sb = await startFleetSandbox(KEY, { salt: 7, smsDelayMs: 6000 });
  env = {
    UPSTREAM_URL: sb.baseUrl,
    PORT: String(await freePort()),
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    LOG_LEVEL: "silent",
    PURCHASE_TIMEOUT_MS: "1000",
    ORPHAN_SWEEP_S: "5",
    CATALOG_RATE_PER_S: "1000",
  };
  gateway = await spawnGateway(env);
});
afterAll(async () => {
  if (gateway && gateway.child.exitCode === null) gateway.child.kill("SIGKILL");
  await store?.close();
  await sb?.close();
});

const legacyUrl = () => `http://127.0.0.1:${env.PORT}/stubs/handler_api.php`;
const call: LegacyCall = async (params) => {
  try {
    const res = await rawRequest(`${legacyUrl()}?${new URLSearchParams({ api_key: KEY, ...params })}`);
    return res.body.toString("utf8");
  } catch {
    return undefined; // the gateway is down: nothing was handed over
  }
};

/** At 6 s, once a purchase is committed upstream with its answer still on the way: SIGKILL, restart. */
async function crashAndRestart(): Promise<void> {
  await new Promise((r) => setTimeout(r, 6000));
  const slow = faultRuleSchema.parse({ route: "POST /api/v1/activations", phase: "after", latencyMs: 5000 });
  await sb.control.setFaults([slow]);
  // Kill once a purchase was committed upstream since: its answer is still 5 s away.
  const before = (await sb.control.stats()).purchases;
  await waitFor(
    "a purchase committed and unanswered",
    async () => (await sb.control.stats()).purchases > before,
  );
  const running = gateway!;
  running.child.kill("SIGKILL");
  await running.exited;
  const left = openSqliteIdStore({ dataDir });
  openAtCrash = (await left.openIntents()).length;
  await left.close();
  await sb.control.setFaults(LATE_AND_LOST);
  gateway = await spawnGateway(env);
}

describe("kill -9 of the gateway mid-run", () => {
  it("loses no money: every activation sold is handed to exactly one bot or refunded", async () => {
    const [fleet] = await Promise.all([
      runFleet({
        buyers: 8,
        durationMs: 15_000,
        buyerCall: call,
        monitorCall: call,
        random: seededRandom(8),
      }),
      crashAndRestart(),
    ]);
    expect(fleet.handed.size).toBeGreaterThan(10);
    expect(fleet.tokens.get("(no answer)") ?? 0).toBeGreaterThan(0); // the crash was felt
    store = openSqliteIdStore({ dataDir });
    await expectMoneySettled(sb, store, fleet, { upstreamKey: KEY });
    expect(openAtCrash).toBeGreaterThan(0); // the crash did leave purchases unanswered
  }, 120_000);
});
