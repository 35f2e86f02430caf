import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerOf } from "../../src/common/owner.js";
import { faultRuleSchema } from "../../src/sandbox/faults.js";
import { openSqliteIdStore, type SqliteIdStore } from "../../src/store/sqlite.js";
import { checkMoney, LATE_AND_LOST, type LegacyCall, runFleet } from "../helpers/fleet.js";
import { rawRequest } from "../helpers/gateway.js";
import { type SpawnedGateway, spawnGateway } from "../helpers/process.js";
import { seededRandom } from "../helpers/random.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";
import { waitFor } from "../helpers/wait.js";

/**
 * The fleet of money-fleet.test.ts against the gateway as its own process, killed with SIGKILL
 * mid-run and started again on the same port and data directory. Purchases it never answered, and
 * answers it never finished writing, are settled by the restarted process at once: every
 * activation sold is handed to exactly one bot or refunded.
 */
const KEY = "fleet-crash-key-00000000000000000";
const SEED = 777;
let sb: TestSandbox;
let gateway: SpawnedGateway | undefined;
let store: SqliteIdStore | undefined;
const dataDir = mkdtempSync(join(tmpdir(), "fleet-crash-"));
let env: Record<string, string>;
/** purchase intents the killed process left open */
let openAtCrash = 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  sb = await startTestSandbox({
    clock: "real",
    random: seededRandom(SEED),
    config: {
      accounts: [{ apiKey: KEY, balance: "10000.00" }],
      autoSms: true,
      smsDelayMs: 6000,
      cancelCooldownS: 0,
      rateLimitPerS: 100_000,
      faults: LATE_AND_LOST,
    },
  });
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

/** At 6 s, with purchases committed upstream and their answers still on the way: SIGKILL, restart. */
async function crashAndRestart(): Promise<void> {
  await new Promise((r) => setTimeout(r, 6000));
  await sb.control.setFaults([
    faultRuleSchema.parse({ route: "POST /api/v1/activations", phase: "after", latencyMs: 3000 }),
  ]);
  await new Promise((r) => setTimeout(r, 700));
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
        random: seededRandom(SEED + 1),
      }),
      crashAndRestart(),
    ]);
    expect(fleet.handed.size).toBeGreaterThan(10);
    expect(fleet.tokens.get("(no answer)") ?? 0).toBeGreaterThan(0); // the crash was felt
    store = openSqliteIdStore({ dataDir });
    const ids = store;
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
    expect(openAtCrash).toBeGreaterThan(0); // the crash did leave purchases unanswered
  }, 120_000);
});
