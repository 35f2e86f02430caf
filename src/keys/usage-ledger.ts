import { Redis } from "ioredis";
import type { SpendLedger } from "../store/spend-ledger.js";
import { redisSpendLedger } from "../store/spend-redis.js";
import { openSqliteSpendLedger } from "../store/spend-sqlite.js";

/** The gateway's spend ledger for `keys usage`: Redis with REDIS_URL, else DATA_DIR's SQLite file. */
export async function openLedgerForCli(env: NodeJS.ProcessEnv): Promise<SpendLedger> {
  if (!env.REDIS_URL) return openSqliteSpendLedger({ dataDir: env.DATA_DIR || "./data" });
  const redis = new Redis(env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const ledger = redisSpendLedger(redis);
  return { ...ledger, close: async () => void (await redis.quit()) };
}
