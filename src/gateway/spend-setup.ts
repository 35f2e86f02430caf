import { Redis } from "ioredis";
import type { Logger } from "pino";
import { hasLimits, type SpendLimits } from "../common/spend-limits.js";
import { type GatewayConfig, settingsLimits } from "../config.js";
import type { GatewayEvents } from "../events.js";
import type { KeyResolver, LabelledKeyResolver } from "../keys/resolver.js";
import { endSpendOnEvents } from "../legacy/spend.js";
import type { SpendLedger } from "../store/spend-ledger.js";
import { utcDayOf } from "../store/spend-ledger.js";
import { redisSpendLedger } from "../store/spend-redis.js";
import { openSqliteSpendLedger } from "../store/spend-sqlite.js";

export interface SpendSetup {
  ledger: SpendLedger;
  limitsOf: (presented: string) => SpendLimits | undefined;
  /** the same by owner hash, for the console */
  limitsOfOwner: (owner: string) => SpendLimits | undefined;
  /** today's spend and reservations of the limited ones among `owners` (for /metrics) */
  usageOfLimited(owners: string[]): Promise<{ owner: string; todayCents: number; reservedCents: number }[]>;
  /** a limit refused a purchase: warned once per key and UTC day */
  limitRefused: (owner: string, reason: string) => void;
  close(): Promise<void>;
}

/**
 * Spend limits (README "Spend limits"): per gateway key from KEYS_FILE (changes apply as the file
 * is re-read), else the LIMIT_* settings for every key. Without either nothing is set up and no
 * purchase pays for a ledger round trip. The ledger lives where the ids do: Redis or DATA_DIR.
 */
export async function setUpSpendLimits(
  config: GatewayConfig,
  deps: {
    resolveKey: KeyResolver | undefined;
    events: GatewayEvents;
    log: Logger;
    onRefused?: (owner: string, reason: string) => void;
  },
): Promise<SpendSetup | undefined> {
  const everyKey = settingsLimits(config);
  const resolver = deps.resolveKey as Partial<LabelledKeyResolver> | undefined;
  if (!config.KEYS_FILE && !hasLimits(everyKey)) return undefined;
  let redis: Redis | undefined;
  let ledger: SpendLedger;
  if (config.REDIS_URL) {
    redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    redis.on("error", () => {}); // the id store's readiness reports Redis
    await redis.connect();
    ledger = redisSpendLedger(redis);
  } else {
    ledger = openSqliteSpendLedger({ dataDir: config.DATA_DIR });
  }
  const stopWatching = endSpendOnEvents(deps.events, ledger, deps.log);
  const warned = new Set<string>();
  const limitsOfOwner = (owner: string) => (config.KEYS_FILE ? resolver?.limitsOfOwner?.(owner) : everyKey);
  return {
    ledger,
    limitsOf: config.KEYS_FILE ? (presented) => resolver?.limitsOf?.(presented) : () => everyKey,
    limitsOfOwner,
    async usageOfLimited(owners) {
      const now = Date.now();
      const limited = owners.filter((owner) => hasLimits(limitsOfOwner(owner)));
      return Promise.all(
        limited.map(async (owner) => {
          const usage = await ledger.usage(owner, utcDayOf(now), now);
          return { owner, todayCents: usage.todayCents, reservedCents: usage.reservedCents };
        }),
      );
    },
    limitRefused(owner, reason) {
      deps.onRefused?.(owner, reason);
      const once = `${utcDayOf(Date.now())}:${owner}`;
      if (warned.has(once)) return;
      if (warned.size > 10_000) warned.clear();
      warned.add(once);
      deps.log.warn({ owner: owner.slice(0, 12), reason }, "a key reached a spend limit");
    },
    async close() {
      stopWatching();
      await ledger.close();
      await redis?.quit().catch(() => redis?.disconnect());
    },
  };
}
