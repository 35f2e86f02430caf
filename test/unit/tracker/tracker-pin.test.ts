import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MemoryTrackerStore } from "../../../src/tracker/store.js";
import { ActivationTracker } from "../../../src/tracker/tracker.js";
import type { Activation } from "../../../src/upstream/schemas.js";

/** A pinned activation is refreshed until it ends or its pin runs out, polled or not (webhooks). */
const KEY = "pin-key-0000000000000000000000000";
const INTERVAL_MS = 1000;
const IDLE_MS = 5000;

function activation(id: string, status = "WAITING"): Activation {
  return { id, phoneNumber: "905550000000", status, userCost: "0.50" };
}

describe("ActivationTracker.pin", () => {
  let live: Activation[];
  let listCalls: number;
  let tracker: ActivationTracker;

  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse("2026-06-03T13:45:00Z") });
    live = [];
    listCalls = 0;
    tracker = new ActivationTracker({
      store: new MemoryTrackerStore(),
      upstream: {
        async listActivations() {
          listCalls += 1;
          return { data: live, nextCursor: null };
        },
        async getActivation(_key, id) {
          return activation(id, "COMPLETED");
        },
      },
      keyIdOf: (key) => `id-of-${key.length}`,
      instance: "test",
      settings: { intervalMs: INTERVAL_MS, idleMs: IDLE_MS, staleMs: 30_000, maxPages: 10, readsPerS: 20 },
      log: pino({ level: "silent" }),
    });
    tracker.start();
  });
  afterEach(async () => {
    await tracker.close();
    vi.useRealTimers();
  });

  const listsDuring = async (ms: number) => {
    const before = listCalls;
    await vi.advanceTimersByTimeAsync(ms);
    return listCalls - before;
  };

  it("stops refreshing an activation nobody polls after TRACK_IDLE_S", async () => {
    live = [activation("a-1")];
    await tracker.remember(KEY, live[0]!);
    expect(await listsDuring(IDLE_MS)).toBeGreaterThan(0);
    await listsDuring(2 * INTERVAL_MS);
    expect(await listsDuring(10 * INTERVAL_MS)).toBe(0);
  });

  it("keeps refreshing a pinned activation past TRACK_IDLE_S until its pin runs out", async () => {
    live = [activation("a-1")];
    await tracker.remember(KEY, live[0]!);
    await tracker.pin(KEY, "a-1", Date.now() + 4 * IDLE_MS);
    await listsDuring(2 * IDLE_MS);
    expect(await listsDuring(IDLE_MS)).toBeGreaterThanOrEqual(IDLE_MS / INTERVAL_MS - 1);
    await listsDuring(2 * IDLE_MS);
    expect(await listsDuring(10 * INTERVAL_MS)).toBe(0);
  });

  it("stops refreshing a pinned activation once it has ended", async () => {
    live = [activation("a-1")];
    await tracker.remember(KEY, live[0]!);
    await tracker.pin(KEY, "a-1", Date.now() + 10 * IDLE_MS);
    await listsDuring(2 * INTERVAL_MS);
    live = []; // it left the live list: read once for its final state (COMPLETED)
    await listsDuring(2 * INTERVAL_MS);
    expect(await listsDuring(5 * INTERVAL_MS)).toBe(0);
  });
});
