import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KeyRing } from "../../../src/money/key-ring.js";
import { SpendSweep } from "../../../src/money/spend-sweep.js";
import type { SpendLedger } from "../../../src/store/spend-ledger.js";
import { openSqliteSpendLedger } from "../../../src/store/spend-sqlite.js";
import { UpstreamError } from "../../../src/upstream/errors.js";

const OWNER = "o".repeat(40);
const T0 = Date.parse("2026-12-08T10:00:00Z");
const DAY = "2026-12-08";

let ledger: SpendLedger;
const statuses = new Map<string, string>();
const reads: string[] = [];

async function charge(upstreamId: string, cents: number, at = T0) {
  await ledger.reserve({ id: `r-${upstreamId}`, owner: OWNER, cents, day: DAY, at }, {});
  await ledger.settle(`r-${upstreamId}`, upstreamId, cents);
}

function sweep(known = true) {
  const keyRing = new KeyRing();
  if (known) keyRing.remember(OWNER, "the-key");
  const read = async (_key: string, id: string) => {
    reads.push(id);
    const status = statuses.get(id);
    if (status === "429") throw new UpstreamError("rate_limited", "slow down");
    return { status: status ?? "WAITING" };
  };
  return new SpendSweep({
    ledger,
    ids: { recordOfUpstream: async (id) => (id.startsWith("mail") ? { product: "email" } : {}) as never },
    upstream: { getActivation: read as never, getEmailActivation: read as never },
    keyRing,
    log: pino({ level: "silent" }),
  });
}

beforeEach(() => {
  ledger = openSqliteSpendLedger({ dataDir: mkdtempSync(join(tmpdir(), "sweep-")) });
  statuses.clear();
  reads.length = 0;
});
afterEach(async () => {
  await ledger.close();
});

describe("the spend sweep", () => {
  it("gives an unseen expiry's money back, ends a completion, and leaves live ones counted", async () => {
    await charge("expired", 50);
    await charge("mail-done", 5);
    await charge("waiting", 40);
    statuses.set("expired", "EXPIRED").set("mail-done", "COMPLETED");
    expect(await sweep().sweep(T0 + 120_000)).toBe(2);
    expect(await ledger.usage(OWNER, DAY, T0 + 120_000)).toMatchObject({ todayCents: 45, live: 1 });
    expect(await ledger.charged(T0 + 120_000, 10)).toEqual([{ upstreamId: "waiting", owner: OWNER }]);
  });

  it("reads nothing younger than a minute, nothing of a key it does not hold, and stops at a 429", async () => {
    await charge("young", 10, T0 + 100_000);
    expect(await sweep().sweep(T0 + 120_000)).toBe(0);
    expect(reads).toEqual([]);
    await charge("old", 10);
    expect(await sweep(false).sweep(T0 + 120_000)).toBe(0);
    expect(reads).toEqual([]);
    statuses.set("old", "429");
    await charge("older", 10, T0 - 1000);
    statuses.set("older", "429");
    await sweep().sweep(T0 + 120_000);
    expect(reads).toEqual(["older"]);
  });
});
