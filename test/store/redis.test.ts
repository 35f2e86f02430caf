import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { IdStore } from "../../src/store/id-store.js";
import { openRedisIdStore, type RedisIdStore } from "../../src/store/redis.js";
import { type RedisServer, startRedis } from "../helpers/redis.js";
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

idStoreContract("RedisIdStore", () => openRedisIdStore({ url: server.url, keyPrefix: prefix }), {
  cleanup: async () => {
    prefix = newPrefix();
  },
  setLastId: async (lastId) => {
    await admin.set(`${prefix}seq`, lastId);
  },
  expiresClosedIntents: true,
});

describe("RedisIdStore", () => {
  const opened: IdStore[] = [];
  const open = async (url = server.url, keyPrefix = prefix) => {
    const store = await openRedisIdStore({ url, keyPrefix });
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((s) => s.close()));
    prefix = newPrefix();
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

  describe("when Redis fails", () => {
    it("rejects ping within 2 s once redis-server is killed", async () => {
      const own = await startRedis();
      try {
        const store = await open(own.url);
        await store.ping();
        own.kill();
        const started = Date.now();
        await expect(store.ping()).rejects.toThrow();
        expect(Date.now() - started).toBeLessThan(2000);
        await expect(store.upsert("up-1", "owner")).rejects.toThrow();
      } finally {
        await own.stop();
      }
    });

    it("rejects ping within 2 s while redis-server hangs, and recovers when it resumes", async () => {
      const own = await startRedis();
      try {
        const store = await open(own.url);
        await store.ping();
        process.kill(own.pid, "SIGSTOP");
        const started = Date.now();
        await expect(store.ping()).rejects.toThrow();
        expect(Date.now() - started).toBeLessThan(2000);
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

        await expect
          .poll(
            () =>
              store.ping().then(
                () => true,
                () => false,
              ),
            { timeout: 5000 },
          )
          .toBe(true);
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
      const started = Date.now();
      await expect(openRedisIdStore({ url: own.url })).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(2000);
    });
  });
});
