import { pino } from "pino";
import { describe, expect, it } from "vitest";
import {
  type StoreOrCancelDeps,
  storeOrCancel,
  type UnstoredOutcome,
} from "../../../src/money/unstored-purchase.js";
import type { UpsertResult } from "../../../src/store/id-store.js";
import { UpstreamError } from "../../../src/upstream/errors.js";
import type { Activation } from "../../../src/upstream/schemas.js";

const KEY = "unstored-key-00000000000000000000";
const STORED: UpsertResult = {
  record: { numericId: 7, upstreamId: "a1", owner: "o", createdAt: 0 },
  created: true,
};

/** A store whose upsert fails `failures` times, and an upstream whose cancel answers `cancels` in turn. */
function scripted(failures: number, cancels: (Error | undefined)[], storeWithinMs: number) {
  const outcomes: UnstoredOutcome[] = [];
  const cancelled: string[] = [];
  const logs: string[] = [];
  let left = failures;
  const deps: StoreOrCancelDeps = {
    upstream: {
      async cancel(_key, id) {
        const err = cancels.shift();
        if (err) throw err;
        cancelled.push(id);
        return { id, status: "CANCELLED" } as Activation;
      },
    },
    log: pino({ level: "info" }, { write: (line: string) => logs.push(line) }),
    storeBy: Date.now() + storeWithinMs,
    onUnstored: (outcome) => outcomes.push(outcome),
  };
  const store = async () => {
    if (left-- > 0) throw new Error("Connection is closed.");
    return STORED;
  };
  return { deps, store, outcomes, cancelled, logs };
}

describe("storeOrCancel", () => {
  it("stores at once without a word when the store answers", async () => {
    const s = scripted(0, [], 1000);
    await expect(storeOrCancel(s.deps, KEY, "a1", s.store)).resolves.toBe(STORED);
    expect(s.outcomes).toEqual([]);
  });

  it("stores once the store answers again within the deadline", async () => {
    const s = scripted(2, [], 2000);
    await expect(storeOrCancel(s.deps, KEY, "a1", s.store)).resolves.toBe(STORED);
    expect(s.outcomes).toEqual(["stored_late"]);
    expect(s.cancelled).toEqual([]);
  });

  it("cancels at once when the store fails past the deadline, logging the activation, never the key", async () => {
    const s = scripted(Number.POSITIVE_INFINITY, [], 300);
    await expect(storeOrCancel(s.deps, KEY, "a1", s.store)).rejects.toThrow("Connection is closed.");
    expect(s.cancelled).toEqual(["a1"]);
    expect(s.outcomes).toEqual(["cancelled"]);
    const error = s.logs.find((l) => l.includes('"level":50'));
    expect(error).toContain("a1");
    expect(s.logs.join("\n")).not.toContain(KEY);
  });

  it("tries the cancel again while the cool-down or an outage refuses it", async () => {
    const cooldown = new UpstreamError("conflict", "Activation cannot be cancelled before …");
    const s = scripted(Number.POSITIVE_INFINITY, [cooldown, new UpstreamError("unavailable", "503")], 0);
    await expect(storeOrCancel(s.deps, KEY, "a1", s.store)).rejects.toThrow();
    expect(s.cancelled).toEqual(["a1"]);
    expect(s.outcomes).toEqual(["cancelled"]);
  });

  it("gives up on a cancel the upstream refuses for good, and says the charge may stay", async () => {
    const s = scripted(Number.POSITIVE_INFINITY, [new UpstreamError("unauthorized", "401")], 0);
    await expect(storeOrCancel(s.deps, KEY, "a1", s.store)).rejects.toThrow();
    expect(s.outcomes).toEqual(["cancel_failed"]);
    expect(s.logs.join("\n")).toContain("may keep the charge");
  });
});
