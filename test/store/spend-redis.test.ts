import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
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

// a fresh prefix per ledger isolates tests on one server
spendLedgerContract("Redis spend ledger", async () => {
  const redis = new Redis(server.url);
  clients.push(redis);
  return redisSpendLedger(redis, `t-${randomUUID()}:spend:`);
});
