import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisSpendLedger } from "../../src/store/spend-redis.js";
import { type RedisServer, startRedis } from "../helpers/redis.js";
import { spendLedgerContract } from "./spend-ledger.contract.js";

let server: RedisServer;
const clients: Redis[] = [];
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await server?.stop();
});

/** A ledger under a fresh prefix (tests share one server), its id store's epoch marker present. */
async function freshLedger() {
  const redis = new Redis(server.url);
  clients.push(redis);
  const prefix = `t-${randomUUID()}:`;
  await redis.set(`${prefix}epoch`, "marker");
  return { redis, prefix, ledger: redisSpendLedger(redis, `${prefix}spend:`, `${prefix}epoch`) };
}

spendLedgerContract("Redis spend ledger", async () => (await freshLedger()).ledger);

describe("Redis spend ledger after a data loss", () => {
  it("refuses every reservation while the id store's epoch marker is missing (fail closed)", async () => {
    const { redis, prefix, ledger } = await freshLedger();
    const reservation = { id: "r1", owner: "a".repeat(40), cents: 10, day: "2026-12-08", at: Date.now() };
    await redis.del(`${prefix}epoch`);
    expect(await ledger.reserve(reservation, { dailyCents: 500 })).toEqual({ ok: false, reason: "lost" });
    await redis.set(`${prefix}epoch`, "re-seeded");
    expect(await ledger.reserve(reservation, { dailyCents: 500 })).toEqual({ ok: true });
  });
});
