import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { openRedisIdStore } from "../../src/store/redis.js";
import { runScript, STORE_CLI } from "../helpers/process.js";
import { startRedis } from "../helpers/redis.js";

describe("npm run store -- reseed", () => {
  it("re-seeds a store that lost its data above N, and changes nothing on a store with its marker", async () => {
    const server = await startRedis();
    const admin = new Redis(server.url);
    const store = await openRedisIdStore({ url: server.url });
    try {
      await store.upsert("up-1", "owner");
      await admin.flushall();
      await expect(store.upsert("up-2", "owner")).rejects.toThrow(/epoch marker missing/);

      const env = { REDIS_URL: server.url };
      const first = await runScript(STORE_CLI, ["reseed", "--above", "500"], { env });
      expect(first.code, first.stderr).toBe(0);
      expect((await store.upsert("up-3", "owner")).record.numericId).toBe(501);

      const again = await runScript(STORE_CLI, ["reseed", "--above", "9000"], { env });
      expect(again.code).toBe(1);
      expect(await admin.get("smsgw:seq")).toBe("501");
      expect((await runScript(STORE_CLI, ["reseed"], { env })).code).toBe(2);
    } finally {
      await store.close();
      await admin.quit();
      await server.stop();
    }
  });
});
