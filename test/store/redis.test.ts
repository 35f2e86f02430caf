import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { clockFloor, HighWaterMark } from "../../src/store/high-water.js";
import { type IdStore, MAX_LEGACY_ID } from "../../src/store/id-store.js";
import { openRedisIdStore, type RedisIdStore, type RedisStoreEvent } from "../../src/store/redis.js";
import { type RedisServer, startRedis } from "../helpers/redis.js";
import { waitFor } from "../helpers/wait.js";
import { idStoreContract } from "./id-store.contract.js";

let server: RedisServer;
let admin: Redis;
beforeAll(async () => {
  server = await startRedis();
  admin = new Redis(server.url);
});
afterAll(async () => {
  await admin?.quit();
  await server?.stop();
});

// a fresh key prefix per test isolates tests without flushing the server
const newPrefix = () => `t-${randomUUID()}:`;
let prefix = newPrefix();

// at the clock's epoch the first-start floor is 0, so the contract's ids start at 1 as SQLite's do
const atFloorZero = () => 0;

idStoreContract(
  "RedisIdStore",
  () => openRedisIdStore({ url: server.url, keyPrefix: prefix, now: atFloorZero }),
  {
    cleanup: async () => {
      prefix = newPrefix();
    },
    setLastId: async (lastId) => {
      await admin.set(`${prefix}seq`, lastId);
    },
    expiresClosedIntents: true,
  },
);

describe("RedisIdStore", () => {
  const opened: IdStore[] = [];
  const open = async (url = server.url, keyPrefix = prefix, pingTimeoutMs?: number) => {
    const store = await openRedisIdStore({
      url,
      keyPrefix,
      now: atFloorZero,
      ...(pingTimeoutMs && { pingTimeoutMs }),
    });
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((s) => s.close()));
    prefix = newPrefix();
  });

  describe("a Redis that lost its data under a running store", () => {
    const loseData = async () => {
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length > 0) await admin.del(...keys);
    };
    const intent = { owner: "owner", serviceCode: "tg", countryIso: "ID", upstreamTime: 1, createdAt: 2 };

    it("allocates no id, records no purchase intent and fails ping, saying why", async () => {
      const store = await open();
      expect((await store.upsert("up-1", "owner")).record.numericId).toBe(1);
      await loseData();
      await expect(store.upsert("up-2", "owner")).rejects.toThrow(/epoch marker missing/);
      await expect(store.addIntent(intent)).rejects.toThrow(/epoch marker missing/);
      await expect(store.ping()).rejects.toThrow(/Redis lost its data/);
      expect(await admin.get(`${prefix}seq`)).toBeNull();
    });

    it("re-seeds above the local high-water mark, once, when two replicas find the marker gone", async () => {
      const dir = mkdtempSync(join(tmpdir(), "hw-"));
      const events: RedisStoreEvent[] = [];
      const openWithMark = async (file: string) => {
        const store = await openRedisIdStore({
          url: server.url,
          keyPrefix: prefix,
          highWater: new HighWaterMark(join(dir, file)),
          onEvent: (e) => events.push(e),
        });
        opened.push(store);
        return store;
      };
      const a = await openWithMark("a");
      const b = await openWithMark("b");
      const before = await Promise.all([a, b, a].map((s, i) => s.upsert(`up-${i}`, "owner")));
      await loseData();
      await Promise.all([a.addIntent(intent), b.addIntent(intent)]);
      expect(events.filter((e) => e.kind === "epoch-lost").length).toBeGreaterThanOrEqual(1);
      expect(events.filter((e) => e.kind === "reseeded")).toHaveLength(1);
      const after = await Promise.all([a, b].map((s, i) => s.upsert(`up-new-${i}`, "owner")));
      const earlier = Math.max(...before.map((r) => r.record.numericId));
      for (const r of after) expect(r.record.numericId).toBeGreaterThan(earlier);
      await expect(a.ping()).resolves.toBeUndefined();
      rmSync(dir, { recursive: true, force: true });
    });

    it("starts a new store above the clock floor, so one that lost its data with every DATA_DIR re-issues no id", async () => {
      const before = clockFloor(Date.now(), MAX_LEGACY_ID);
      const first = await openRedisIdStore({ url: server.url, keyPrefix: prefix });
      opened.push(first);
      const sold = [];
      for (let i = 0; i < 5; i++) sold.push((await first.upsert(`up-${i}`, "owner")).record.numericId);
      expect(Math.min(...sold)).toBeGreaterThan(before);
      await first.close();

      // a new process ten seconds later, no high-water mark, on a Redis that came back empty
      await loseData();
      const later = Date.now() + 10_000;
      const second = await openRedisIdStore({ url: server.url, keyPrefix: prefix, now: () => later });
      opened.push(second);
      const next = (await second.upsert("up-new", "owner")).record.numericId;
      expect(next).toBeGreaterThan(Math.max(...sold));
    });

    it("tells of the loss once per incident, however many calls it refuses", async () => {
      const events: RedisStoreEvent[] = [];
      const store = await openRedisIdStore({
        url: server.url,
        keyPrefix: prefix,
        onEvent: (e) => events.push(e),
      });
      opened.push(store);
      await loseData();
      for (let i = 0; i < 3; i++) await expect(store.ping()).rejects.toThrow(/epoch marker missing/);
      await expect(store.addIntent(intent)).rejects.toThrow(/epoch marker missing/);
      expect(events.map((e) => e.kind)).toEqual(["epoch-lost"]);
    });

    it("warns at open when Redis has neither AOF nor RDB snapshots", async () => {
      const events: RedisStoreEvent[] = [];
      const openTelling = async () =>
        opened.push(
          await openRedisIdStore({ url: server.url, keyPrefix: prefix, onEvent: (e) => events.push(e) }),
        );
      await openTelling();
      expect(events).toEqual([]); // the test server runs append-only
      await admin.config("SET", "appendonly", "no");
      try {
        await openTelling();
      } finally {
        await admin.config("SET", "appendonly", "yes");
      }
      expect(events).toEqual([{ kind: "no-persistence", appendonly: "no", save: "" }]);
    });

    it("keeps the marker of a store opened again, and creates one on a store older than the marker", async () => {
      await admin.set(`${prefix}seq`, 7);
      const store = await open();
      const epoch = await admin.get(`${prefix}epoch`);
      expect(epoch).not.toBeNull();
      await open();
      expect(await admin.get(`${prefix}epoch`)).toBe(epoch);
      expect((await store.upsert("up-8", "owner")).record.numericId).toBe(8);
    });
  });

  describe("two replicas on one Redis", () => {
    let a: RedisIdStore;
    let b: RedisIdStore;
    const both = async () => {
      a = await open();
      b = await open();
    };

    it("hands out 500 distinct ids to alternating upserts, each resolving on both", async () => {
      await both();
      const results = await Promise.all(
        Array.from({ length: 500 }, (_, i) => (i % 2 ? a : b).upsert(`up-${i}`, "owner")),
      );
      const ids = results.map((r) => r.record.numericId);
      expect(new Set(ids).size).toBe(500);
      expect(Math.max(...ids)).toBe(500);
      for (const { record } of results) {
        expect(await a.resolve(record.numericId, "owner")).toEqual(record);
        expect(await b.resolve(record.numericId, "owner")).toEqual(record);
      }
    });

    it("gives both the same id when they race on the same upstream ids, one of them creating it", async () => {
      await both();
      for (let i = 0; i < 100; i++) {
        const [x, y] = await Promise.all([a.upsert(`up-${i}`, "owner"), b.upsert(`up-${i}`, "owner")]);
        expect(x.record).toEqual(y.record);
        expect(Number(x.created) + Number(y.created)).toBe(1);
      }
    });

    it("lets exactly one of 50 claims of one orderId, split across both, win", async () => {
      await both();
      const claims = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).claimOrder("owner", "order-1")),
      );
      expect(claims.filter((c) => c.state === "claimed")).toHaveLength(1);
      await a.completeOrder("owner", "order-1", 9);
      expect(await b.claimOrder("owner", "order-1")).toEqual({ state: "exists", numericId: 9 });
    });
  });

  /**
   * Failing fast is the behaviour here, so these bound a duration, each far above what it takes on
   * a quiet machine (a killed server: ~15 ms; a hung one: the 100 ms ping timeout; nothing
   * listening: ~3 ms) and below what a missing deadline would cost (the 2 s command timeout, or
   * forever).
   */
  const elapsedMs = (since: number) => performance.now() - since;

  describe("when Redis fails", () => {
    it("rejects ping within 2 s once redis-server is killed", async () => {
      const own = await startRedis();
      try {
        const store = await open(own.url);
        await store.ping();
        own.kill();
        const started = performance.now();
        await expect(store.ping()).rejects.toThrow();
        expect(elapsedMs(started)).toBeLessThan(2000);
        await expect(store.upsert("up-1", "owner")).rejects.toThrow();
      } finally {
        await own.stop();
      }
    });

    it("rejects ping after its own timeout while redis-server hangs, and recovers when it resumes", async () => {
      const own = await startRedis();
      try {
        const store = await open(own.url, prefix, 100);
        await store.ping();
        process.kill(own.pid, "SIGSTOP");
        const started = performance.now();
        await expect(store.ping()).rejects.toThrow(/ping took longer than 100 ms/);
        expect(elapsedMs(started)).toBeLessThan(1500); // before the 2 s command timeout
        process.kill(own.pid, "SIGCONT");
        await expect(store.ping()).resolves.toBeUndefined();
      } finally {
        process.kill(own.pid, "SIGCONT");
        await own.stop();
      }
    });

    it("keeps every acknowledged id across kill -9 of redis-server, and reconnects after its restart", async () => {
      const own = await startRedis();
      try {
        const store = await open(own.url);
        const records = [];
        for (let i = 0; i < 200; i++) records.push((await store.upsert(`up-${i}`, "owner")).record);
        await store.claimOrder("owner", "order-1");
        own.kill();
        await own.restart();

        await waitFor("the store to reconnect", async () => {
          await store.ping();
          return true;
        });
        for (const record of records) expect(await store.resolve(record.numericId, "owner")).toEqual(record);
        // the upsert script is re-sent after the restart emptied the script cache
        expect((await store.upsert("up-after", "owner")).record.numericId).toBe(201);
        expect(await store.claimOrder("owner", "order-1")).toEqual({ state: "exists" });
      } finally {
        await own.stop();
      }
    });

    it("refuses to open when nothing listens", async () => {
      const own = await startRedis();
      await own.stop();
      const started = performance.now();
      await expect(openRedisIdStore({ url: own.url })).rejects.toThrow();
      expect(elapsedMs(started)).toBeLessThan(2000);
    });
  });
});
