import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  fileSnapshotStore,
  openCatalogSnapshotStore,
  redisSnapshotStore,
  SNAPSHOT_FILE,
} from "../../../src/catalog/snapshot-store.js";
import { type RedisServer, startRedis } from "../../helpers/redis.js";

const dir = mkdtempSync(join(tmpdir(), "catalog-snapshot-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("file snapshot store", () => {
  it("has nothing before the first save, then reads back what was saved", async () => {
    const store = fileSnapshotStore(join(dir, "nested", SNAPSHOT_FILE));
    expect(await store.load()).toBeUndefined();
    await store.save('{"a":1}');
    await store.save('{"a":2}');
    expect(await store.load()).toBe('{"a":2}');
    expect(readdirSync(join(dir, "nested"))).toEqual([SNAPSHOT_FILE]); // temp files renamed away
  });

  it("is the default (DATA_DIR), Redis only when REDIS_URL is set", () => {
    expect(openCatalogSnapshotStore({ DATA_DIR: dir }).where).toBe(join(dir, SNAPSHOT_FILE));
  });
});

describe("redis snapshot store", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
    return () => redis.stop();
  });

  it("keeps the document under one key, shared by every instance", async () => {
    const a = redisSnapshotStore(redis.url, "test:catalog");
    const b = openCatalogSnapshotStore({ DATA_DIR: dir, REDIS_URL: redis.url });
    expect(await a.load()).toBeUndefined();
    await a.save('{"v":1}');
    const c = redisSnapshotStore(redis.url, "test:catalog");
    expect(await c.load()).toBe('{"v":1}');
    expect(b.where).toContain("redis");
    await Promise.all([a.close(), b.close(), c.close()]);
  });
});
