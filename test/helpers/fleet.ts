/**
 * A fleet of bots against one gateway, for the money-safety tests: buyers (getNumber → poll →
 * complete or cancel) and a monitor listing getActiveActivations / getHistory, with seeded choices.
 * Afterwards `checkMoney` compares what the sandbox sold with what the bots were handed.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { ownerOf } from "../../src/common/owner.js";
import { addKey, emptyKeyFile, writeKeyFile } from "../../src/keys/key-file.js";
import { type FaultRule, faultRuleSchema } from "../../src/sandbox/faults.js";
import type { IdStore } from "../../src/store/id-store.js";
import { openSqliteIdStore } from "../../src/store/sqlite.js";
import { respawnGateway, type SpawnedGateway } from "./process.js";
import { seededRandom } from "./random.js";
import { report } from "./report.js";
import type { TestSandbox } from "./sandbox.js";
import { startTestSandbox } from "./sandbox.js";
import { pause, waitFor } from "./wait.js";

/** Purchase answers late (300 ms always, 1.5 s for a third: past a 1 s purchase deadline) or lost. */
export const LATE_AND_LOST: FaultRule[] = [
  { route: "POST /api/v1/activations", phase: "after", latencyMs: 300, drop: 0.1 },
  { route: "POST /api/v1/activations", phase: "after", latencyMs: 1200, latencyChance: 0.3 },
].map((rule) => faultRuleSchema.parse(rule));

/** GET the legacy endpoint with these parameters; undefined when the connection failed. */
export type LegacyCall = (params: Record<string, string>) => Promise<string | undefined>;

/** A key's calls through `gw`; a failed connection is "no answer" (nothing was handed over). */
export const callerOf =
  (gw: { call(params: Record<string, string>): Promise<string> }, key: string): LegacyCall =>
  (params) =>
    gw.call({ api_key: key, ...params }).catch(() => undefined);

/** The fleet tests' gateway: a 1 s purchase deadline (so answers late by 1.5 s are lost), sweeps every 5 s. */
export const FLEET_GATEWAY_ENV = {
  PURCHASE_TIMEOUT_MS: "1000",
  ORPHAN_SWEEP_S: "5",
  CATALOG_RATE_PER_S: "1000",
};

/**
 * The fleet tests' sandbox: one account, real clock, seeded randomness, an SMS `smsDelayMs` after
 * each purchase, no cancel cool-down (an orphan can be refunded before its SMS), LATE_AND_LOST.
 */
export function startFleetSandbox(apiKey: string, opts: { salt: number; smsDelayMs?: number }) {
  return startTestSandbox({
    clock: "real",
    random: seededRandom(opts.salt),
    config: {
      accounts: [{ apiKey, balance: "10000.00" }],
      autoSms: true,
      smsDelayMs: opts.smsDelayMs ?? 4000,
      cancelCooldownS: 0,
      rateLimitPerS: 100_000,
      faults: LATE_AND_LOST,
    },
  });
}

/** Two gateway keys ("buyer", "lister") on one upstream key, in a fresh KEYS_FILE. */
export function twoGatewayKeys(upstreamKey: string): {
  keysFile: string;
  buyerKey: string;
  listerKey: string;
} {
  const buyer = addKey(emptyKeyFile(), { upstreamKey, label: "buyer" });
  const lister = addKey(buyer.file, { upstreamKey, label: "lister" });
  const keysFile = join(mkdtempSync(join(tmpdir(), "fleet-keys-")), "keys.json");
  writeKeyFile(keysFile, lister.file);
  return { keysFile, buyerKey: buyer.gatewayKey, listerKey: lister.gatewayKey };
}

export interface FleetOptions {
  buyers: number;
  durationMs: number;
  /** the buyers' calls (their key included) */
  buyerCall: LegacyCall;
  /** the monitor's calls (its key included); no monitor when absent */
  monitorCall?: LegacyCall;
  monitorEveryMs?: number;
  random: () => number;
  service?: string;
  country?: string;
  /** how long a buyer polls for a code before it cancels */
  patienceMs?: number;
}

export interface FleetResult {
  /** every id a buyer was handed, with how many buyers got it */
  handed: Map<string, number>;
  /** answers by token word */
  tokens: Map<string, number>;
  /** ids the monitor's listings showed */
  monitorSaw: Set<string>;
  monitorListings: number;
}

const tokenOf = (answer: string | undefined) =>
  answer === undefined ? "(no answer)" : (answer.split(":")[0] ?? "");

export async function runFleet(opts: FleetOptions): Promise<FleetResult> {
  const result: FleetResult = {
    handed: new Map(),
    tokens: new Map(),
    monitorSaw: new Set(),
    monitorListings: 0,
  };
  const count = (answer: string | undefined) => {
    const token = answer?.startsWith("{") || answer?.startsWith("[") ? "JSON" : tokenOf(answer);
    result.tokens.set(token, (result.tokens.get(token) ?? 0) + 1);
  };
  const deadline = Date.now() + opts.durationMs;
  const patience = opts.patienceMs ?? 3000;

  const buyer = async () => {
    while (Date.now() < deadline) {
      const answer = await opts.buyerCall({
        action: "getNumber",
        service: opts.service ?? "tg",
        country: opts.country ?? "62",
      });
      count(answer);
      const m = /^ACCESS_NUMBER:(\d+):\d+$/.exec(answer ?? "");
      if (!m) {
        await pause(50 + opts.random() * 100);
        continue;
      }
      const id = m[1]!;
      result.handed.set(id, (result.handed.get(id) ?? 0) + 1);
      await finish(id);
    }
  };

  /** Polls for the code; completes on a code, else cancels after its patience (retrying refusals). */
  const finish = async (id: string) => {
    const wantsToWait = opts.random() < 0.7;
    const giveUpAt = Date.now() + (wantsToWait ? patience : patience / 4);
    for (;;) {
      const status = await opts.buyerCall({ action: "getStatus", id });
      count(status);
      if (status?.startsWith("STATUS_OK:")) {
        count(await opts.buyerCall({ action: "setStatus", id, status: "6" }));
        return;
      }
      if (status === "STATUS_CANCEL") return;
      if (Date.now() >= giveUpAt) {
        const cancel = await opts.buyerCall({ action: "setStatus", id, status: "8" });
        count(cancel);
        if (cancel === "ACCESS_CANCEL" || cancel === "BAD_STATUS" || Date.now() > deadline + 10_000) return;
      }
      await pause(150 + opts.random() * 100);
    }
  };

  const monitor = async (call: LegacyCall) => {
    let i = 0;
    while (Date.now() < deadline) {
      const action = i++ % 2 === 0 ? "getActiveActivations" : "getHistory";
      const answer = await call({ action });
      count(answer);
      result.monitorListings += 1;
      for (const id of listedIds(answer)) result.monitorSaw.add(id);
      await pause(opts.monitorEveryMs ?? 250);
    }
  };

  await Promise.all([
    ...Array.from({ length: opts.buyers }, buyer),
    ...(opts.monitorCall ? [monitor(opts.monitorCall)] : []),
  ]);
  return result;
}

/** The ids in a getActiveActivations or getHistory answer. */
export function listedIds(answer: string | undefined): string[] {
  if (!answer?.startsWith("{") && !answer?.startsWith("[")) return [];
  const json = JSON.parse(answer) as { activeActivations?: { activationId: string }[] } | { id: number }[];
  if (Array.isArray(json)) return json.map((h) => String(h.id));
  return (json.activeActivations ?? []).map((a) => a.activationId);
}

/**
 * Waits until the gateway settled every purchase intent, then checks the money: every activation
 * sold to `upstreamKey` handed to exactly one bot (of `buyerKey`) or refunded. None kept: charged
 * because its code came before it could be cancelled (such a one would have to be mapped to the
 * buyer and in the buyer's own listing; the figures are reported before the check).
 */
export async function expectMoneySettled(
  sb: TestSandbox,
  ids: IdStore,
  fleet: FleetResult,
  keys: { upstreamKey: string; buyerKey?: string; buyerCall: LegacyCall },
) {
  await waitFor("every purchase intent settled", async () => (await ids.openIntents()).length === 0, {
    timeoutMs: 60_000,
    everyMs: 100,
  });
  const owner = ownerOf(keys.buyerKey ?? keys.upstreamKey);
  const money = await checkMoney(sb, keys.upstreamKey, fleet, {
    upstreamIdOf: async (id) => (await ids.resolve(Number(id), owner))?.upstreamId,
    keptId: async (upstreamId) => {
      const record = await ids.findByUpstream(upstreamId, owner);
      return record && String(record.numericId);
    },
    ownerListing: async () => new Set(listedIds(await keys.buyerCall({ action: "getActiveActivations" }))),
  });
  report("how each activation sold ended", money);
  expect(money.handed + money.refundedUnhanded + money.keptListed).toBe(money.sold);
  expect(money.keptListed, "activations charged and handed to no bot").toBe(0);
  return money;
}

const REFUNDED = new Set(["CANCELLED", "EXPIRED", "REFUNDED"]);

/**
 * Every activation the sandbox sold to `apiKey` was handed to exactly one bot, refunded, or kept:
 * nothing charged that its owner cannot see. `upstreamIdOf` maps a handed legacy id to its
 * activation; `keptId` an activation no bot was handed to its legacy id (when mapped to the
 * owner), which `ownerListing` (getActiveActivations) must show.
 */
export async function checkMoney(
  sb: TestSandbox,
  apiKey: string,
  fleet: FleetResult,
  lookups: {
    upstreamIdOf: (numericId: string) => Promise<string | undefined>;
    keptId: (upstreamId: string) => Promise<string | undefined>;
    ownerListing: () => Promise<Set<string>>;
  },
): Promise<{ sold: number; handed: number; refundedUnhanded: number; keptListed: number }> {
  for (const [id, times] of fleet.handed) expect(times, `id ${id} handed to ${times} bots`).toBe(1);
  const handedUpstream = new Set<string>();
  for (const id of fleet.handed.keys()) {
    const upstreamId = await lookups.upstreamIdOf(id);
    expect(upstreamId, `handed id ${id} resolves`).toBeDefined();
    expect(handedUpstream.has(upstreamId!), `two ids for ${upstreamId}`).toBe(false);
    handedUpstream.add(upstreamId!);
  }
  const sold = await sb.control.activations(apiKey);
  let refundedUnhanded = 0;
  let keptListed = 0;
  let listing: Set<string> | undefined;
  for (const a of sold) {
    if (handedUpstream.has(a.id)) continue;
    if (REFUNDED.has(a.status)) {
      refundedUnhanded += 1;
      continue;
    }
    const id = await lookups.keptId(a.id);
    listing ??= await lookups.ownerListing();
    expect(
      id !== undefined && listing.has(id),
      `activation ${a.id} is ${a.status}: charged, handed to no bot and not in its owner's listing`,
    ).toBe(true);
    keptListed += 1;
  }
  return { sold: sold.length, handed: handedUpstream.size, refundedUnhanded, keptListed };
}

/**
 * SIGKILL of a gateway process once a purchase on `route` is committed upstream with its answer
 * still 5 s away (purchases counted by `purchases`), then its restart on the same port and data
 * directory with `LATE_AND_LOST` faults again (or `faultsAfter`). Answers the restarted gateway and
 * how many purchase intents the killed one left open.
 */
export async function killMidPurchaseAndRestart(
  sb: TestSandbox,
  gateway: SpawnedGateway,
  env: Record<string, string>,
  opts: { route: string; purchases: () => Promise<number>; faultsAfter?: FaultRule[] },
): Promise<{ gateway: SpawnedGateway; openAtCrash: number }> {
  await sb.control.setFaults([faultRuleSchema.parse({ route: opts.route, phase: "after", latencyMs: 5000 })]);
  const before = await opts.purchases();
  await waitFor("a purchase committed and unanswered", async () => (await opts.purchases()) > before);
  gateway.child.kill("SIGKILL");
  await gateway.exited;
  const left = openSqliteIdStore({ dataDir: env.DATA_DIR! });
  const openAtCrash = (await left.openIntents()).length;
  await left.close();
  await sb.control.setFaults(opts.faultsAfter ?? LATE_AND_LOST);
  return { gateway: await respawnGateway(env), openAtCrash };
}
