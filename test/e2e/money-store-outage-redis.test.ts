import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pair } from "../helpers/gateway.js";
import { type InProcessGateway, startHarness } from "../helpers/harness.js";
import { type RedisServer, startRedis } from "../helpers/redis.js";
import { buyThroughOutages, outageSandbox } from "../helpers/store-outage.js";

/**
 * The issue-23 reproduction: Redis (AOF) killed just as a round of 8 purchases reaches the
 * upstream, twice. Before the fix half of them were charged and handed to no bot.
 */
let redis: RedisServer;
let pair: Pair<InProcessGateway>;
beforeAll(async () => {
  redis = await startRedis();
  pair = await startHarness({
    sandbox: outageSandbox,
    gateway: { env: { REDIS_URL: redis.url, ORPHAN_SWEEP_S: "1", STATUS_CACHE_MS: "0" } },
  });
});
afterAll(async () => {
  await pair?.close();
  await redis?.stop();
});

describe("purchases during a Redis outage", () => {
  it("every activation sold is handed to a bot or cancelled for a refund", async () => {
    const books = await buyThroughOutages(pair, {
      begin: () => redis.kill(),
      end: () => redis.restart(),
    });
    console.info(`redis outage: ${JSON.stringify(books)}`);
    expect(books.sold).toBe(16);
    expect(books.chargedUnhanded).toBe(0);
    expect(books.walletDriftCents).toBe(0);
  });
});
