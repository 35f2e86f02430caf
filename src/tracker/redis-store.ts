import { Redis } from "ioredis";
import { withDeadline } from "../common/deadline.js";
import { activationSchema } from "../upstream/schemas.js";
import type { Listing, Tracked, TrackerStore } from "./store.js";

/**
 * The tracker's state in Redis, shared by replicas. Per upstream key (after the prefix):
 *   track:<keyId>:state     hash: upstream id → {"activation":…,"seenAt":…}
 *   track:<keyId>:touch     sorted set: upstream id by the time it was last polled or bought
 *   track:<keyId>:listing   the last live listing
 *   track:<keyId>:lease     the instance that refreshes this key (expires unless renewed)
 * Every key expires `idleMs` after its last write, so a key nobody polls leaves nothing behind.
 */
const LEASE_LUA = `
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

/**
 * A touch never moves an activation's time back (GT), and the set lives `ttl` past its latest
 * time: an activation pinned into the future (webhooks) keeps it alive that long. ARGV: now, ttl,
 * then score/id pairs.
 */
const TOUCH_LUA = `
redis.call('ZADD', KEYS[1], 'GT', unpack(ARGV, 3))
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local ms = math.max(tonumber(ARGV[2]), tonumber(top[2]) + tonumber(ARGV[2]) - tonumber(ARGV[1]))
redis.call('PEXPIRE', KEYS[1], math.floor(ms))
return 1
`;

interface WithLease {
  smsgwLease(key: string, instance: string, ttlMs: number): Promise<number>;
  smsgwTouch(key: string, now: number, ttlMs: number, ...pairs: (string | number)[]): Promise<number>;
}

function decode(text: string | null): Tracked | undefined {
  if (text === null) return undefined;
  try {
    const raw = JSON.parse(text) as { activation: unknown; seenAt: number };
    return { activation: activationSchema.parse(raw.activation), seenAt: Number(raw.seenAt) };
  } catch {
    return undefined; // unreadable: as if unknown (read again)
  }
}

const PING_TIMEOUT_MS = 1000;

export async function openRedisTrackerStore(opts: {
  url: string;
  keyPrefix?: string;
  idleMs: number;
}): Promise<TrackerStore> {
  const prefix = `${opts.keyPrefix ?? "smsgw:"}track:`;
  const redis = new Redis(opts.url, {
    lazyConnect: true,
    connectTimeout: 1000,
    commandTimeout: 2000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  });
  redis.on("error", () => undefined); // failures surface through the commands
  redis.defineCommand("smsgwLease", { numberOfKeys: 1, lua: LEASE_LUA });
  redis.defineCommand("smsgwTouch", { numberOfKeys: 1, lua: TOUCH_LUA });
  await redis.connect();
  const scripts = redis as unknown as WithLease;
  const k = (keyId: string, part: string) => `${prefix}${keyId}:${part}`;
  const ttl = Math.max(1000, opts.idleMs);

  return {
    async get(keyId, upstreamId) {
      return decode(await redis.hget(k(keyId, "state"), upstreamId));
    },
    async getMany(keyId, upstreamIds) {
      if (upstreamIds.length === 0) return [];
      return (await redis.hmget(k(keyId, "state"), ...upstreamIds)).map(decode);
    },
    async put(keyId, states) {
      if (states.length === 0) return [];
      const key = k(keyId, "state");
      const ids = states.map((s) => s.activation.id);
      const fields = states.flatMap((s) => [s.activation.id, JSON.stringify(s)]);
      const results = await redis
        .multi()
        .hmget(key, ...ids)
        .hset(key, ...fields)
        .pexpire(key, ttl)
        .exec();
      const previous = (results?.[0]?.[1] ?? []) as (string | null)[];
      return ids.map((_, i) => decode(previous[i] ?? null));
    },
    async touch(keyId, upstreamIds, at) {
      if (upstreamIds.length === 0) return;
      const pairs = upstreamIds.flatMap((id) => [at, id]);
      await scripts.smsgwTouch(k(keyId, "touch"), Date.now(), ttl, ...pairs);
    },
    async touched(keyId, since) {
      return redis.zrangebyscore(k(keyId, "touch"), since, "+inf");
    },
    async expire(keyId, before) {
      const gone = await redis.zrangebyscore(k(keyId, "touch"), "-inf", `(${before}`);
      if (gone.length === 0) return;
      await redis
        .multi()
        .zrem(k(keyId, "touch"), ...gone)
        .hdel(k(keyId, "state"), ...gone)
        .exec();
    },
    async putListing(keyId, listing) {
      await redis.set(k(keyId, "listing"), JSON.stringify(listing), "PX", ttl);
    },
    async getListing(keyId) {
      const text = await redis.get(k(keyId, "listing"));
      if (text === null) return undefined;
      try {
        const raw = JSON.parse(text) as Listing;
        return { ...raw, activations: raw.activations.map((a) => activationSchema.parse(a)) };
      } catch {
        return undefined;
      }
    },
    async lease(keyId, instance, ttlMs) {
      return (await scripts.smsgwLease(k(keyId, "lease"), instance, ttlMs)) === 1;
    },
    async ping() {
      await withDeadline(redis.ping(), PING_TIMEOUT_MS, () => new Error("tracker redis ping timed out"));
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
