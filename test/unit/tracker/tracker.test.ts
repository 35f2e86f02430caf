import { pino } from "pino";
import { beforeEach, describe, expect, it } from "vitest";
import { MemoryTrackerStore } from "../../../src/tracker/store.js";
import { ActivationTracker, type TrackerOptions } from "../../../src/tracker/tracker.js";
import { UpstreamError } from "../../../src/upstream/errors.js";
import type { Activation } from "../../../src/upstream/schemas.js";

/** The tracker against a scripted upstream and an injected clock, one refresh at a time. */
const KEY = "tracker-unit-key";

function activation(id: string, extra: Partial<Activation> = {}): Activation {
  return {
    id,
    phoneNumber: "905550000000",
    status: "WAITING",
    userCost: "0.50",
    serviceCode: "tg",
    countryIso: "TR",
    ...extra,
  };
}

let upstream: Record<string, Activation>;
let lists: number;
let reads: number;
let listFailure: UpstreamError | undefined;
/** runs while a list call is in flight (a write landing during a refresh) */
let duringList: (() => Promise<void>) | undefined;
let now: number;
let changes: string[];

function tracker(over: Partial<TrackerOptions["settings"]> = {}, store = new MemoryTrackerStore()) {
  return new ActivationTracker({
    store,
    upstream: {
      async listActivations(_key, query) {
        lists += 1;
        await duringList?.();
        if (listFailure) throw listFailure;
        const live = Object.values(upstream).filter((a) => query?.status?.includes(a.status) ?? true);
        return { data: live, nextCursor: null };
      },
      async getActivation(_key, id) {
        reads += 1;
        const found = upstream[id];
        if (!found) throw new UpstreamError("not_found", "Activation not found");
        return found;
      },
    },
    keyIdOf: (key) => `id-${key}`,
    instance: "unit",
    settings: { intervalMs: 1000, idleMs: 300_000, staleMs: 30_000, maxPages: 10, readsPerS: 20, ...over },
    log: pino({ level: "silent" }),
    onChange: (_keyId, before, after) => changes.push(`${after.id}:${before?.status ?? "-"}→${after.status}`),
    now: () => now,
  });
}

const neverRead = async (): Promise<Activation> => {
  throw new Error("an individual read was not expected");
};

beforeEach(() => {
  upstream = {};
  lists = 0;
  reads = 0;
  listFailure = undefined;
  duringList = undefined;
  now = 1_000_000;
  changes = [];
});

describe("ActivationTracker", () => {
  it("answers a purchased activation from its own answer, then from the refreshes", async () => {
    const t = tracker();
    upstream.a = activation("a");
    await t.remember(KEY, upstream.a);
    expect((await t.state(KEY, "a", neverRead)).activation.status).toBe("WAITING");
    upstream.a = activation("a", { status: "RECEIVED", smsCode: "1234" });
    await t.refreshDue();
    expect(lists).toBe(1);
    expect(await t.state(KEY, "a", neverRead)).toMatchObject({
      activation: { smsCode: "1234" },
      fromTracker: true,
    });
    expect(changes).toEqual(["a:-→WAITING", "a:WAITING→RECEIVED"]);
  });

  it("reads an activation seen for the first time once, then tracks it", async () => {
    const t = tracker();
    upstream.b = activation("b");
    const read = async () => {
      reads += 1;
      return upstream.b!;
    };
    expect((await t.state(KEY, "b", read)).fromTracker).toBe(false);
    expect((await t.state(KEY, "b", read)).fromTracker).toBe(true);
    expect(reads).toBe(1);
  });

  it("reads an activation that left the live list once for its final state, and never again", async () => {
    const t = tracker();
    upstream.c = activation("c");
    await t.remember(KEY, upstream.c);
    upstream.c = activation("c", { status: "EXPIRED" });
    await t.refreshDue();
    expect(reads).toBe(1);
    expect((await t.state(KEY, "c", neverRead)).activation.status).toBe("EXPIRED");
    now += 60_000; // even much later, a final state is never read again
    await t.refreshDue();
    expect((await t.state(KEY, "c", neverRead)).activation.status).toBe("EXPIRED");
    expect(reads).toBe(1);
  });

  it("costs nothing for a key with nothing live", async () => {
    const t = tracker();
    await t.remember(KEY, activation("d", { status: "COMPLETED", smsCode: "1" }));
    await t.refreshDue();
    expect(lists).toBe(0);
  });

  it("stops refreshing an activation nobody polled for TRACK_IDLE_S", async () => {
    const t = tracker({ idleMs: 10_000 });
    upstream.e = activation("e");
    await t.remember(KEY, upstream.e);
    await t.refreshDue();
    expect(lists).toBe(1);
    now += 10_001;
    await t.refreshDue();
    expect(lists).toBe(1);
  });

  it("after a 429 waits out Retry-After, answering from the last state meanwhile", async () => {
    const t = tracker();
    upstream.f = activation("f");
    await t.remember(KEY, upstream.f);
    listFailure = new UpstreamError("rate_limited", "Too Many Requests", { status: 429, retryAfterS: 5 });
    await t.refreshDue();
    expect(lists).toBe(1);
    now += 4000;
    await t.refreshDue();
    expect(lists).toBe(1); // still waiting
    expect((await t.state(KEY, "f", neverRead)).fromTracker).toBe(true);
    listFailure = undefined;
    now += 1001;
    await t.refreshDue();
    expect(lists).toBe(2);
  });

  it("reads a state older than TRACK_STALE_S again before answering it", async () => {
    const t = tracker({ staleMs: 30_000 });
    upstream.g = activation("g");
    await t.remember(KEY, upstream.g);
    listFailure = new UpstreamError("unavailable", "HTTP 503", { status: 503 });
    now += 30_001;
    const read = async () => {
      reads += 1;
      return upstream.g!;
    };
    expect((await t.state(KEY, "g", read)).fromTracker).toBe(false);
    expect(reads).toBe(1);
  });

  it("keeps a listing fresh while the key is listed, and answers it only while fresh and complete", async () => {
    const t = tracker();
    upstream.h = activation("h");
    expect(await t.liveListing(KEY)).toBeUndefined(); // nothing read yet: the caller lists
    await t.refreshDue();
    expect((await t.liveListing(KEY))?.map((a) => a.id)).toEqual(["h"]);
    now += 2001; // two intervals without a refresh
    expect(await t.liveListing(KEY)).toBeUndefined();
  });
});

describe("the refresh lease (replicas)", () => {
  /** A store whose lease is held by `holder`; records every lease call. */
  class LeaseStore extends MemoryTrackerStore {
    calls: { instance: string; ttlMs: number }[] = [];
    holder = "unit";
    override async lease(_keyId: string, instance: string, ttlMs: number) {
      this.calls.push({ instance, ttlMs });
      return instance === this.holder;
    }
  }

  it("lapses two intervals after a renewal, renewed when a refresh starts and when it ends", async () => {
    const store = new LeaseStore();
    const t = tracker({ intervalMs: 500 }, store);
    upstream.a = activation("a");
    await t.remember(KEY, upstream.a);
    await t.refreshDue();
    expect(lists).toBe(1);
    expect(store.calls).toEqual([
      { instance: "unit", ttlMs: 1000 },
      { instance: "unit", ttlMs: 1000 },
    ]);
  });

  it("without the lease: no upstream call and no renewal", async () => {
    const store = new LeaseStore();
    store.holder = "other-replica";
    const t = tracker({ intervalMs: 500 }, store);
    upstream.a = activation("a");
    await t.remember(KEY, upstream.a);
    await t.refreshDue();
    expect(lists).toBe(0);
    expect(store.calls).toHaveLength(1);
  });
});

describe("ActivationTracker with more live activations than TRACK_MAX_PAGES hold", () => {
  /** 150 live activations; the list's first (and, with maxPages 1, only) page shows 100 of them. */
  function paged(settings: Partial<TrackerOptions["settings"]> = {}) {
    const ids = Array.from({ length: 150 }, (_, i) => `p${String(i).padStart(3, "0")}`);
    for (const id of ids) upstream[id] = activation(id);
    const t = new ActivationTracker({
      store: new MemoryTrackerStore(),
      upstream: {
        async listActivations() {
          lists += 1;
          return { data: ids.slice(0, 100).map((id) => upstream[id]!), nextCursor: "page-2" };
        },
        async getActivation(_key, id) {
          reads += 1;
          return upstream[id]!;
        },
      },
      keyIdOf: (key) => `id-${key}`,
      instance: "unit",
      settings: {
        intervalMs: 1000,
        idleMs: 300_000,
        staleMs: 30_000,
        maxPages: 1,
        readsPerS: 20,
        ...settings,
      },
      log: pino({ level: "silent" }),
      now: () => now,
    });
    return { t, ids, beyond: ids.slice(100) };
  }

  /** One refresh a second; the individual reads each made. */
  async function refreshes(t: ActivationTracker, n: number): Promise<number[]> {
    const made: number[] = [];
    for (let i = 0; i < n; i++) {
      const before = reads;
      now += 1000;
      await t.refreshDue();
      made.push(reads - before);
    }
    return made;
  }

  it("reads the ones beyond the pages in turn, within TRACK_READS_PER_S, until every code is seen", async () => {
    const { t, ids, beyond } = paged();
    for (const id of ids) await t.remember(KEY, upstream[id]!);
    for (const id of beyond) upstream[id] = activation(id, { status: "RECEIVED", smsCode: `c-${id}` });
    // each refresh spends its budget (1 s × 20/s) on the longest unseen: all 50 within three
    expect(await refreshes(t, 3)).toEqual([20, 20, 20]);
    expect(lists).toBe(3);
    for (const id of beyond) {
      expect((await t.state(KEY, id, neverRead)).activation.smsCode).toBe(`c-${id}`);
    }
    expect(t.sizes()).toMatchObject({ live: 150, unseen: 0 });
  });

  it("counts the ones its budget leaves unseen for longer than TRACK_STALE_S", async () => {
    const { t, ids } = paged({ readsPerS: 1, staleMs: 2000 });
    for (const id of ids) await t.remember(KEY, upstream[id]!);
    await refreshes(t, 1);
    expect(t.sizes().unseen).toBe(0); // 49 not reached, but for 1 s only
    await refreshes(t, 2);
    expect(t.sizes().unseen).toBe(47); // 3 read in 3 s; the other 47 last seen 3 s ago
  });
});

describe("ActivationTracker racing a write", () => {
  it("does not read an activation a write ended while the live list was read", async () => {
    const t = tracker();
    upstream.r = activation("r");
    await t.remember(KEY, upstream.r);
    // the cancel's answer arrives while the refresh is listing: the list no longer shows it
    duringList = async () => {
      upstream.r = activation("r", { status: "CANCELLED" });
      await t.remember(KEY, upstream.r);
    };
    await t.refreshDue();
    expect(lists).toBe(1);
    expect(reads).toBe(0);
    expect((await t.state(KEY, "r", neverRead)).activation.status).toBe("CANCELLED");
  });
});
