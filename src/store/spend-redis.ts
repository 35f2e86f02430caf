import type { Redis } from "ioredis";
import {
  type LedgerUsage,
  RESERVATION_TTL_MS,
  type ReserveResult,
  type SpendLedger,
} from "./spend-ledger.js";

/**
 * The spend ledger in Redis, shared by replicas. Keys (after the prefix, `smsgw:spend:`):
 *   e:<id>               hash: owner, day, cents, state (reserved | charged | refunded | ended), at
 *   up:<upstreamId>      the entry id of a charged activation
 *   o:<owner>:reserved   sorted set of reserved entry ids by time (in-flight purchases: few)
 *   o:<owner>:recent     sorted set of entry ids by time, the last minute's (the rate limit)
 *   o:<owner>:live       set of charged entry ids not ended
 *   o:<owner>:d:<day>    cents charged on that UTC day (refunds taken back)
 *   o:<owner>:total      cents charged ever (refunds taken back)
 *   charged              sorted set of charged entry ids not ended, by the time they were reserved
 * Usage is the counters plus the reservations still within RESERVATION_TTL_MS. Every change is one
 * Lua script, so two replicas reserving at once cannot both pass a limit.
 */

const USAGE_LUA = `
local function usage(p, owner, day, stale, minuteAgo)
  local o = p .. 'o:' .. owner .. ':'
  local today = tonumber(redis.call('GET', o .. 'd:' .. day) or '0')
  local total = tonumber(redis.call('GET', o .. 'total') or '0')
  local live = redis.call('SCARD', o .. 'live')
  local reserved = 0
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', o .. 'reserved', '(' .. stale, '+inf')) do
    local f = redis.call('HMGET', p .. 'e:' .. id, 'cents', 'day')
    local cents = tonumber(f[1] or '0')
    total = total + cents
    reserved = reserved + cents
    if f[2] == day then today = today + cents end
    live = live + 1
  end
  local minute = redis.call('ZCOUNT', o .. 'recent', '(' .. minuteAgo, '+inf')
  return {today, total, live, minute, reserved}
end
`;

/** ARGV: prefix, owner, day, stale, minuteAgo */
const READ_LUA = `${USAGE_LUA}
return usage(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])`;

/**
 * ARGV: prefix, owner, day, stale, minuteAgo, id, cents, at, daily, total, maxLive, perMinute ('' =
 * none), the id store's epoch key (its absence means Redis lost its data, and the counts with it)
 */
const RESERVE_LUA = `${USAGE_LUA}
if redis.call('EXISTS', ARGV[13]) == 0 then return 'lost' end
local p, owner, day = ARGV[1], ARGV[2], ARGV[3]
local u = usage(p, owner, day, ARGV[4], ARGV[5])
local cents = tonumber(ARGV[7])
if ARGV[11] ~= '' and u[3] >= tonumber(ARGV[11]) then return 'live' end
if ARGV[12] ~= '' and u[4] >= tonumber(ARGV[12]) then return 'rate' end
if ARGV[9] ~= '' and u[1] + cents > tonumber(ARGV[9]) then return 'daily' end
if ARGV[10] ~= '' and u[2] + cents > tonumber(ARGV[10]) then return 'total' end
local o = p .. 'o:' .. owner .. ':'
if redis.call('EXISTS', p .. 'e:' .. ARGV[6]) == 1 then return 'ok' end
redis.call('HSET', p .. 'e:' .. ARGV[6], 'owner', owner, 'day', day, 'cents', cents, 'state', 'reserved', 'at', ARGV[8])
redis.call('ZADD', o .. 'reserved', ARGV[8], ARGV[6])
redis.call('ZADD', o .. 'recent', ARGV[8], ARGV[6])
redis.call('ZREMRANGEBYSCORE', o .. 'recent', '-inf', ARGV[5])
redis.call('ZREMRANGEBYSCORE', o .. 'reserved', '-inf', ARGV[4])
return 'ok'`;

/** ARGV: prefix, id, upstreamId, cents */
const SETTLE_LUA = `
local p, id = ARGV[1], ARGV[2]
local e = p .. 'e:' .. id
local f = redis.call('HMGET', e, 'state', 'owner', 'day')
if f[1] ~= 'reserved' then return 0 end
local o = p .. 'o:' .. f[2] .. ':'
-- a reordered mailbox: its earlier charge is final and no longer live; the new one takes the id
local prev = redis.call('GET', p .. 'up:' .. ARGV[3])
if prev and prev ~= id and redis.call('HGET', p .. 'e:' .. prev, 'state') == 'charged' then
  redis.call('SREM', o .. 'live', prev)
  redis.call('ZREM', p .. 'charged', prev)
  redis.call('HSET', p .. 'e:' .. prev, 'state', 'ended')
end
redis.call('ZREM', o .. 'reserved', id)
redis.call('HSET', e, 'state', 'charged', 'cents', ARGV[4], 'upstreamId', ARGV[3])
redis.call('SET', p .. 'up:' .. ARGV[3], id)
redis.call('INCRBY', o .. 'd:' .. f[3], ARGV[4])
redis.call('INCRBY', o .. 'total', ARGV[4])
redis.call('SADD', o .. 'live', id)
redis.call('ZADD', p .. 'charged', redis.call('HGET', e, 'at'), id)
return 1`;

/** ARGV: prefix, id */
const RELEASE_LUA = `
local p, id = ARGV[1], ARGV[2]
local e = p .. 'e:' .. id
local f = redis.call('HMGET', e, 'state', 'owner')
if f[1] ~= 'reserved' then return 0 end
local o = p .. 'o:' .. f[2] .. ':'
redis.call('ZREM', o .. 'reserved', id)
redis.call('ZREM', o .. 'recent', id)
redis.call('DEL', e)
return 1`;

/** ARGV: prefix, upstreamId, refunded ('1' or '0') */
const END_LUA = `
local p = ARGV[1]
local id = redis.call('GET', p .. 'up:' .. ARGV[2])
if not id then return 0 end
local e = p .. 'e:' .. id
local f = redis.call('HMGET', e, 'state', 'owner', 'day', 'cents')
if f[1] ~= 'charged' then return 0 end
local o = p .. 'o:' .. f[2] .. ':'
redis.call('SREM', o .. 'live', id)
redis.call('ZREM', p .. 'charged', id)
if ARGV[3] == '1' then
  redis.call('DECRBY', o .. 'd:' .. f[3], f[4])
  redis.call('DECRBY', o .. 'total', f[4])
  redis.call('HSET', e, 'state', 'refunded')
else
  redis.call('HSET', e, 'state', 'ended')
end
return 1`;

const none = (v: number | undefined) => (v === undefined ? "" : String(v));
type BudgetReason = Extract<ReserveResult, { ok: false }>["reason"];

/** The spend ledger on an open ioredis connection (the id store's), under `prefix`. */
export function redisSpendLedger(
  redis: Redis,
  prefix = "smsgw:spend:",
  epochKey = "smsgw:epoch",
): SpendLedger {
  const windows = (now: number) => [now - RESERVATION_TTL_MS, now - 60_000] as const;
  return {
    async reserve(r, limits) {
      const [stale, minuteAgo] = windows(r.at);
      const result = (await redis.eval(
        RESERVE_LUA,
        0,
        prefix,
        r.owner,
        r.day,
        stale,
        minuteAgo,
        r.id,
        r.cents,
        r.at,
        none(limits.dailyCents),
        none(limits.totalCents),
        none(limits.maxLive),
        none(limits.perMinute),
        epochKey,
      )) as string;
      return result === "ok" ? { ok: true } : { ok: false, reason: result as BudgetReason };
    },
    async settle(id, upstreamId, cents) {
      await redis.eval(SETTLE_LUA, 0, prefix, id, upstreamId, cents);
    },
    async release(id) {
      await redis.eval(RELEASE_LUA, 0, prefix, id);
    },
    async end(upstreamId, refunded) {
      await redis.eval(END_LUA, 0, prefix, upstreamId, refunded ? "1" : "0");
    },
    async charged(before, limit) {
      const ids = await redis.zrangebyscore(`${prefix}charged`, "-inf", `(${before}`, "LIMIT", 0, limit);
      const out: { upstreamId: string; owner: string }[] = [];
      for (const id of ids) {
        const [upstreamId, owner] = await redis.hmget(`${prefix}e:${id}`, "upstreamId", "owner");
        if (upstreamId && owner) out.push({ upstreamId, owner });
      }
      return out;
    },
    async usage(owner, day, now): Promise<LedgerUsage> {
      const [stale, minuteAgo] = windows(now);
      const [todayCents, totalCents, live, lastMinute, reservedCents] = (await redis.eval(
        READ_LUA,
        0,
        prefix,
        owner,
        day,
        stale,
        minuteAgo,
      )) as number[];
      return {
        todayCents: todayCents!,
        totalCents: totalCents!,
        live: live!,
        lastMinute: lastMinute!,
        reservedCents: reservedCents!,
      };
    },
    async close() {
      // the connection belongs to the id store
    },
  };
}
