import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IdStore } from "../../src/store/id-store.js";
import type { Pair } from "../helpers/gateway.js";
import { type InProcessGateway, startHarness } from "../helpers/harness.js";
import { buyThroughOutages, outageSandbox } from "../helpers/store-outage.js";

/**
 * The issue-23 reproduction on the default SQLite store: its disk full (every write answers
 * SQLITE_FULL) from the moment a round of 8 purchases reaches the upstream, twice.
 */
/** Past the held answers (2.5 s), before the SMS (5 s): the purchases cancel what they cannot store. */
const DEADLINE_MS = 3500;
let pair: Pair<InProcessGateway>;
beforeAll(async () => {
  pair = await startHarness({
    sandbox: outageSandbox,
    gateway: { env: { ORPHAN_SWEEP_S: "1", PURCHASE_TIMEOUT_MS: String(DEADLINE_MS) } },
  });
});
afterAll(async () => {
  await pair?.close();
});

/** Every write of a full SQLite disk; its reads still answer. */
const WRITES = [
  "upsert",
  "claimOrder",
  "completeOrder",
  "releaseOrder",
  "addIntent",
  "markIntentClaimed",
  "closeIntent",
  "pruneIntents",
  "heartbeat",
  "enqueueWebhook",
  "claimWebhooks",
  "finishWebhook",
  "pruneWebhooks",
] as const satisfies readonly (keyof IdStore)[];

/**
 * The gateway's id store (the one object every part of it, the orphan settler included, holds),
 * its writes failing with SQLITE_FULL while `full` is set.
 */
function diskFullWhile(gw: InProcessGateway): { full: boolean } {
  const store = gw.deps.ids as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const disk = { full: false };
  for (const name of WRITES) {
    // the SQLite store's own method: the wrappers around it (cache, timing) forward to it
    const write = Object.getOwnPropertyDescriptor(store, name)?.value as (
      ...args: unknown[]
    ) => Promise<unknown>;
    store[name] = (...args) =>
      disk.full
        ? Promise.reject(Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" }))
        : write(...args);
  }
  return disk;
}

describe("purchases while SQLite's disk is full", () => {
  it("every activation sold is handed to a bot or cancelled for a refund", async () => {
    const disk = diskFullWhile(pair.gw);
    const books = await buyThroughOutages(pair, {
      begin: () => {
        disk.full = true;
      },
      end: () => {
        disk.full = false;
      },
    });
    console.info(`sqlite disk full: ${JSON.stringify(books)}`);
    expect(books.sold).toBe(16);
    expect(books.chargedUnhanded).toBe(0);
    expect(books.walletDriftCents).toBe(0);
  });
});
