import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { withDeadline } from "../common/deadline.js";
import { clockFloor, HIGH_WATER_BLOCK, type HighWaterMark } from "./high-water.js";
import {
  type ActivationRecord,
  type IdStore,
  MAX_LEGACY_ID,
  type OrderClaim,
  type PurchaseIntent,
  WEBHOOK_RETENTION_MS,
  type WebhookDelivery,
} from "./id-store.js";

export interface RedisIdStoreOptions {
  url: string;
  /** prepended to every key; default `smsgw:` */
  keyPrefix?: string;
  /** how long ping() may take before /readyz reports failure; default 1000 ms */
  pingTimeoutMs?: number;
  /** any other command fails after this; default 2000 ms */
  commandTimeoutMs?: number;
  /** this replica's local record of the ids it allocated or saw: what a lost Redis is re-seeded above */
  highWater?: HighWaterMark;
  /** told when the epoch marker is found missing (once per incident), re-seeded, or Redis keeps no data */
  onEvent?: (event: RedisStoreEvent) => void;
  /** the clock the first-start floor is read from (high-water.ts clockFloor); default Date.now */
  now?: () => number;
}

export type RedisStoreEvent =
  | { kind: "epoch-lost"; message: string }
  | { kind: "reseeded"; above: number }
  | { kind: "no-persistence"; appendonly: string; save: string };

export interface RedisIdStore extends IdStore {
  readonly keyPrefix: string;
}

/**
 * Keys (after the prefix):
 *   seq                      last numeric id handed out (INCR)
 *   epoch                    marker written with the counter at first start; its absence means Redis
 *                            lost its data, and a counter restarting at 0 would re-issue ids, so the
 *                            store then allocates nothing (README "What survives a Redis loss")
 *   id:<n>                   hash: upstreamId, owner, createdAt, countryId?, intentId?
 *   up:<upstreamId>          n
 *   order:<owner>:<orderId>  "" while claimed, then the numeric id (owner is a fixed-format hash, so
 *                            the first ':' after it ends it)
 *   intent:<uuid>            hash: owner, serviceCode, countryIso, upstreamTime, createdAt, instance?,
 *                            claimedUpstreamId?, closedAt? (expires CLOSED_INTENT_TTL_S after closing)
 *   intents:open             sorted set of open intent ids by createdAt
 *   instances                sorted set of gateway processes by the time their heartbeat lapses
 *   wh:<deliveryId>          hash: owner, upstreamId, payload, createdAt, seq, attempts, nextAt, state,
 *                            claimedBy, leaseUntil, finishedAt? (expires WEBHOOK_RETENTION after it ends)
 *   wh:seq                   enqueue order (INCR)
 *   wh:queue:<upstreamId>    sorted set of an activation's pending deliveries by seq (its head is next)
 *   wh:ready                 sorted set of activations with a pending delivery, by when their head can
 *                            be claimed (its nextAt, or while claimed its leaseUntil)
 *   wh:pending               sorted set of pending deliveries by createdAt (the backlog)
 *
 * The upsert and webhook scripts build keys inside Lua, so this store needs a single Redis (or a
 * primary with replicas), not Redis Cluster.
 */
const EPOCH_MISSING =
  "id store epoch marker missing: Redis lost its data; no ids are allocated until the counter is re-seeded";

/**
 * Creates the marker on a store that has none, first raising the counter to the floor (0 when no
 * high-water mark is known): one script, so of two replicas re-seeding at once the second finds the
 * marker and changes nothing.
 */
const RESEED_LUA = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local floor = tonumber(ARGV[1])
if tonumber(redis.call('GET', KEYS[1]) or '0') < floor then redis.call('SET', KEYS[1], floor) end
redis.call('SET', KEYS[2], ARGV[2])
return 1
`;

const UPSERT_LUA = `
local existing = redis.call('GET', KEYS[1])
if existing then
  local f = redis.call('HMGET', ARGV[1] .. 'id:' .. existing, 'owner', 'createdAt', 'countryId', 'intentId', 'product')
  return {existing, '0', f[1], f[2], f[3], f[4], f[5]}
end
if redis.call('EXISTS', ARGV[1] .. 'epoch') == 0 then
  return redis.error_reply('${EPOCH_MISSING}')
end
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
local floor = tonumber(ARGV[8])
if last < floor then
  redis.call('SET', KEYS[2], floor)
  last = floor
end
if last >= tonumber(ARGV[6]) then
  return redis.error_reply('id space exhausted: ' .. last .. ' ids handed out')
end
local n = redis.call('INCR', KEYS[2])
redis.call('HSET', ARGV[1] .. 'id:' .. n, 'upstreamId', ARGV[2], 'owner', ARGV[3], 'createdAt', ARGV[4])
if ARGV[5] ~= '' then
  redis.call('HSET', ARGV[1] .. 'id:' .. n, 'countryId', ARGV[5])
end
if ARGV[7] ~= '' then
  redis.call('HSET', ARGV[1] .. 'id:' .. n, 'intentId', ARGV[7])
end
if ARGV[9] ~= '' then
  redis.call('HSET', ARGV[1] .. 'id:' .. n, 'product', ARGV[9])
end
redis.call('SET', KEYS[1], n)
return {tostring(n), '1', ARGV[3], ARGV[4], ARGV[5], ARGV[7], ARGV[9]}
`;

/** KEYS: id:<n>, up:<new upstream id>; ARGV: owner, new upstream id, n */
const REPOINT_LUA = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
if redis.call('SET', KEYS[2], ARGV[3], 'NX') == false then return 0 end
redis.call('HSET', KEYS[1], 'upstreamId', ARGV[2])
return 1
`;

/** ARGV: prefix, id, owner, upstreamId, payload, createdAt */
const WEBHOOK_ENQUEUE_LUA = `
local p, id, up, created = ARGV[1], ARGV[2], ARGV[4], ARGV[6]
local h = p .. 'wh:' .. id
if redis.call('EXISTS', h) == 1 then return 0 end
local seq = redis.call('INCR', p .. 'wh:seq')
redis.call('HSET', h, 'owner', ARGV[3], 'upstreamId', up, 'payload', ARGV[5], 'createdAt', created,
  'seq', seq, 'attempts', 0, 'nextAt', created, 'state', 'pending', 'claimedBy', '', 'leaseUntil', 0)
local q = p .. 'wh:queue:' .. up
redis.call('ZADD', q, seq, id)
redis.call('ZADD', p .. 'wh:pending', created, id)
if redis.call('ZCARD', q) == 1 then redis.call('ZADD', p .. 'wh:ready', created, up) end
return 1
`;

/** ARGV: prefix, instance, now, leaseUntil, limit, scanMax, skipped owners… */
const WEBHOOK_CLAIM_LUA = `
local p, instance, now, leaseUntil = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local limit = tonumber(ARGV[5])
local skip = {}
for i = 7, #ARGV do skip[ARGV[i]] = true end
local ready = p .. 'wh:ready'
local out = {}
for _, up in ipairs(redis.call('ZRANGEBYSCORE', ready, '-inf', now, 'LIMIT', 0, ARGV[6])) do
  if #out >= limit then break end
  local q = p .. 'wh:queue:' .. up
  local head = redis.call('ZRANGE', q, 0, 0)[1]
  if not head then
    redis.call('ZREM', ready, up)
  else
    local h = p .. 'wh:' .. head
    local f = redis.call('HMGET', h, 'owner', 'payload', 'createdAt', 'attempts', 'state')
    if f[5] ~= 'pending' then
      redis.call('ZREM', q, head)
    elseif not skip[f[1]] then
      redis.call('HSET', h, 'claimedBy', instance, 'leaseUntil', leaseUntil)
      redis.call('ZADD', ready, leaseUntil, up)
      out[#out + 1] = {head, f[1], up, f[2], f[3], f[4]}
    end
  end
end
return out
`;

/** ARGV: prefix, id, instance, outcome, now, attempts, nextAt, retentionMs */
const WEBHOOK_FINISH_LUA = `
local p, id, instance, outcome = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local h = p .. 'wh:' .. id
local f = redis.call('HMGET', h, 'state', 'claimedBy', 'upstreamId', 'nextAt')
if f[1] ~= 'pending' then return 0 end
if outcome ~= 'delivered' and f[2] ~= instance then return 0 end
local up = f[3]
local ready = p .. 'wh:ready'
if outcome == 'released' then
  redis.call('HSET', h, 'claimedBy', '', 'leaseUntil', 0)
  redis.call('ZADD', ready, f[4], up)
  return 1
end
if outcome == 'retry' then
  redis.call('HSET', h, 'attempts', ARGV[6], 'nextAt', ARGV[7], 'claimedBy', '', 'leaseUntil', 0)
  redis.call('ZADD', ready, ARGV[7], up)
  return 1
end
redis.call('HSET', h, 'state', outcome, 'attempts', ARGV[6], 'finishedAt', ARGV[5], 'claimedBy', '',
  'leaseUntil', 0)
redis.call('PEXPIRE', h, ARGV[8])
redis.call('ZREM', p .. 'wh:pending', id)
local q = p .. 'wh:queue:' .. up
redis.call('ZREM', q, id)
local nextId = redis.call('ZRANGE', q, 0, 0)[1]
if nextId then
  redis.call('ZADD', ready, redis.call('HGET', p .. 'wh:' .. nextId, 'nextAt') or ARGV[5], up)
else
  redis.call('ZREM', ready, up)
end
return 1
`;

/** How long a closed intent is kept (for inspection) before Redis forgets it. */
const CLOSED_INTENT_TTL_S = 24 * 60 * 60;

type UpsertReply = [
  string,
  "0" | "1",
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
];

type ClaimReply = [string, string, string, string, string, string][];

interface WithUpsert {
  smsgwWebhookEnqueue(...args: (string | number)[]): Promise<number>;
  smsgwWebhookClaim(...args: (string | number)[]): Promise<ClaimReply>;
  smsgwWebhookFinish(...args: (string | number)[]): Promise<number>;
  smsgwUpsert(
    upKey: string,
    seqKey: string,
    prefix: string,
    upstreamId: string,
    owner: string,
    createdAt: number,
    countryId: string,
    max: number,
    intentId: string,
    floor: number,
    product: string,
  ): Promise<UpsertReply>;
}

export async function openRedisIdStore(opts: RedisIdStoreOptions): Promise<RedisIdStore> {
  const prefix = opts.keyPrefix ?? "smsgw:";
  const pingTimeoutMs = opts.pingTimeoutMs ?? 1000;
  const redis = new Redis(opts.url, {
    lazyConnect: true,
    connectTimeout: 1000,
    commandTimeout: opts.commandTimeoutMs ?? 2000,
    // Fail fast instead of queueing or replaying: a replayed upsert or claim whose first reply was
    // lost would report created=false / "exists" to the caller that actually won.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  });
  // without a listener ioredis logs every reconnect failure to stderr; ping() reports the state
  redis.on("error", () => {});
  redis.defineCommand("smsgwUpsert", { numberOfKeys: 2, lua: UPSERT_LUA });
  redis.defineCommand("smsgwWebhookEnqueue", { numberOfKeys: 0, lua: WEBHOOK_ENQUEUE_LUA });
  redis.defineCommand("smsgwWebhookClaim", { numberOfKeys: 0, lua: WEBHOOK_CLAIM_LUA });
  redis.defineCommand("smsgwWebhookFinish", { numberOfKeys: 0, lua: WEBHOOK_FINISH_LUA });
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  const scripts = redis as unknown as WithUpsert;
  const highWater = opts.highWater;
  const reseedFloor = () =>
    highWater && highWater.persisted > 0 ? highWater.persisted + HIGH_WATER_BLOCK : 0;
  /** `fromMark`: the floor comes from this replica's high-water mark, so a new marker means a loss */
  const reseed = async (floor: number, fromMark: boolean) => {
    const created = await redis.eval(RESEED_LUA, 2, `${prefix}seq`, `${prefix}epoch`, floor, randomUUID());
    if (created === 1 && fromMark) opts.onEvent?.({ kind: "reseeded", above: floor });
  };
  // At open an empty Redis is a first start unless this replica has a high-water mark; either way the
  // counter starts above the clock floor, in case every replica's mark was lost with it.
  const markFloor = reseedFloor();
  await reseed(Math.max(markFloor, clockFloor((opts.now ?? Date.now)(), MAX_LEGACY_ID)), markFloor > 0);
  await warnWithoutPersistence(redis, opts.onEvent);
  let lost = false;
  // A marker missing later (Redis restarted empty under a running gateway) is a loss: re-seeded from
  // the high-water mark when there is one, otherwise nothing is allocated until an operator re-seeds.
  const refuseWithoutEpoch = async () => {
    if ((await redis.exists(`${prefix}epoch`)) === 1) {
      lost = false;
      return;
    }
    if (!lost) opts.onEvent?.({ kind: "epoch-lost", message: EPOCH_MISSING });
    lost = true;
    const floor = reseedFloor();
    if (floor === 0) throw new Error(EPOCH_MISSING);
    await reseed(floor, true);
    lost = false;
  };

  const key = {
    seq: `${prefix}seq`,
    id: (n: number | string) => `${prefix}id:${n}`,
    up: (upstreamId: string) => `${prefix}up:${upstreamId}`,
    order: (owner: string, orderId: string) => `${prefix}order:${owner}:${orderId}`,
    intent: (intentId: string) => `${prefix}intent:${intentId}`,
    openIntents: `${prefix}intents:open`,
    instances: `${prefix}instances`,
    webhooksPending: `${prefix}wh:pending`,
  };

  async function recordOf(numericId: number | string): Promise<ActivationRecord | undefined> {
    const h = await redis.hgetall(key.id(numericId));
    const { upstreamId, owner, createdAt } = h;
    if (upstreamId === undefined || owner === undefined || createdAt === undefined) return undefined;
    return toRecord(Number(numericId), upstreamId, { ...h, owner, createdAt });
  }

  async function recordOfUpstream(upstreamId: string): Promise<ActivationRecord | undefined> {
    const n = await redis.get(key.up(upstreamId));
    return n === null ? undefined : recordOf(n);
  }

  let closed = false;

  return {
    keyPrefix: prefix,

    async upsert(upstreamId, owner, extra) {
      const countryId = extra?.countryId === undefined ? "" : String(extra.countryId);
      const [n, created, storedOwner, createdAt, countryIdOf, intentIdOf, productOf] =
        await scripts.smsgwUpsert(
          key.up(upstreamId),
          key.seq,
          prefix,
          upstreamId,
          owner,
          Date.now(),
          countryId,
          MAX_LEGACY_ID,
          extra?.intentId ?? "",
          highWater?.highest ?? 0,
          extra?.product ?? "",
        );
      highWater?.note(Number(n));
      if (storedOwner === null || createdAt === null) {
        throw new Error(`id ${n} for ${upstreamId} has no record (${key.id(n)} is missing)`);
      }
      return {
        record: toRecord(Number(n), upstreamId, {
          owner: storedOwner,
          createdAt,
          countryId: countryIdOf ?? undefined,
          intentId: intentIdOf ?? undefined,
          product: productOf ?? undefined,
        }),
        created: created === "1",
      };
    },

    async repoint(numericId, owner, upstreamId) {
      const done = await redis.eval(
        REPOINT_LUA,
        2,
        key.id(numericId),
        key.up(upstreamId),
        owner,
        upstreamId,
        numericId,
      );
      return done === 1;
    },

    async resolve(numericId, owner) {
      if (!Number.isSafeInteger(numericId) || numericId < 1) return undefined;
      const record = await recordOf(numericId);
      return record?.owner === owner ? record : undefined;
    },

    async findByUpstream(upstreamId, owner) {
      const record = await recordOfUpstream(upstreamId);
      return record?.owner === owner ? record : undefined;
    },

    recordOfUpstream,

    async claimOrder(owner, orderId): Promise<OrderClaim> {
      // SET … NX GET (Redis ≥ 7): claims and reads the previous claim in one atomic step
      const previous = await redis.set(key.order(owner, orderId), "", "NX", "GET");
      if (previous === null) return { state: "claimed" };
      return previous === "" ? { state: "exists" } : { state: "exists", numericId: Number(previous) };
    },

    async completeOrder(owner, orderId, numericId) {
      // a plain SET: a purchase that happened is recorded even if its claim went missing
      await redis.set(key.order(owner, orderId), String(numericId));
    },

    async releaseOrder(owner, orderId) {
      await redis.del(key.order(owner, orderId));
    },

    async addIntent(intent) {
      const intentId = intent.intentId ?? randomUUID();
      // before the intent, so a purchase is refused before anything is bought upstream
      await refuseWithoutEpoch();
      const results = await redis
        .multi()
        .hset(key.intent(intentId), {
          owner: intent.owner,
          serviceCode: intent.serviceCode,
          countryIso: intent.countryIso,
          upstreamTime: intent.upstreamTime,
          createdAt: intent.createdAt,
          ...(intent.instance !== undefined && { instance: intent.instance }),
          ...(intent.product !== undefined && { product: intent.product }),
        })
        .zadd(key.openIntents, intent.createdAt, intentId)
        .exec();
      throwIfFailed(results);
      return intentId;
    },

    async markIntentClaimed(intentId, upstreamId) {
      if ((await redis.zscore(key.openIntents, intentId)) !== null) {
        await redis.hset(key.intent(intentId), "claimedUpstreamId", upstreamId);
      }
    },

    async closeIntent(intentId) {
      // the ZREM is the close; closedAt only annotates an intent that exists
      if ((await redis.zrem(key.openIntents, intentId)) === 1) {
        throwIfFailed(
          await redis
            .multi()
            .hset(key.intent(intentId), "closedAt", Date.now())
            .expire(key.intent(intentId), CLOSED_INTENT_TTL_S)
            .exec(),
        );
      }
    },

    async pruneIntents() {
      return 0; // closed intents expire by themselves (CLOSED_INTENT_TTL_S)
    },

    async heartbeat(instance, ttlMs) {
      const now = Date.now();
      throwIfFailed(
        await redis
          .multi()
          .zadd(key.instances, now + ttlMs, instance)
          .zremrangebyscore(key.instances, "-inf", now - CLOSED_INTENT_TTL_S * 1000)
          .exec(),
      );
    },

    async liveInstances() {
      return new Set(await redis.zrangebyscore(key.instances, `(${Date.now()}`, "+inf"));
    },

    async openIntents(filter = {}) {
      const max = filter.createdBefore === undefined ? "+inf" : `(${filter.createdBefore}`;
      const ids = await redis.zrangebyscore(key.openIntents, "-inf", max);
      if (ids.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hgetall(key.intent(id));
      const results = throwIfFailed(await pipeline.exec());
      const intents: PurchaseIntent[] = [];
      results.forEach(([, h], i) => {
        const intent = toIntent(ids[i]!, h as Record<string, string>);
        if (intent && (filter.owner === undefined || intent.owner === filter.owner)) intents.push(intent);
      });
      return intents;
    },

    async enqueueWebhook(d) {
      const added = await scripts.smsgwWebhookEnqueue(
        prefix,
        d.deliveryId,
        d.owner,
        d.upstreamId,
        d.payload,
        d.createdAt,
      );
      return added === 1;
    },

    async claimWebhooks(claim) {
      if (claim.limit <= 0) return [];
      const skip = claim.skipOwners ?? [];
      const rows = await scripts.smsgwWebhookClaim(
        prefix,
        claim.instance,
        claim.now,
        claim.now + claim.leaseMs,
        claim.limit,
        // heads of activations whose owner is skipped are passed over: look a little further
        claim.limit + skip.length + 100,
        ...skip,
      );
      return rows.map(
        ([deliveryId, owner, upstreamId, payload, createdAt, attempts]): WebhookDelivery => ({
          deliveryId,
          owner,
          upstreamId,
          payload,
          createdAt: Number(createdAt),
          attempts: Number(attempts),
        }),
      );
    },

    async finishWebhook(deliveryId, instance, outcome, now) {
      const attempts = outcome.state === "released" ? 0 : outcome.attempts;
      const nextAt = outcome.state === "retry" ? outcome.nextAt : 0;
      const applied = await scripts.smsgwWebhookFinish(
        prefix,
        deliveryId,
        instance,
        outcome.state,
        now,
        attempts,
        nextAt,
        WEBHOOK_RETENTION_MS,
      );
      return applied === 1;
    },

    async webhookBacklog() {
      const results = throwIfFailed(
        await redis
          .multi()
          .zcard(key.webhooksPending)
          .zrange(key.webhooksPending, "0", "0", "WITHSCORES")
          .exec(),
      );
      const oldest = results[1]?.[1] as string[];
      return {
        pending: Number(results[0]?.[1] ?? 0),
        oldestCreatedAt: oldest.length === 2 ? Number(oldest[1]) : undefined,
      };
    },

    async pruneWebhooks() {
      return 0; // finished deliveries expire by themselves (WEBHOOK_RETENTION_MS)
    },

    async ping() {
      await withDeadline(
        redis.ping(),
        pingTimeoutMs,
        () => new Error(`redis ping took longer than ${pingTimeoutMs} ms`),
      );
      await refuseWithoutEpoch();
      const seq = await redis.get(key.seq);
      if (seq !== null) highWater?.note(Number(seq));
    },

    async close() {
      if (closed) return;
      closed = true;
      try {
        await redis.quit();
      } catch {
        redis.disconnect();
      }
    },
  };
}

interface StoredFields {
  owner: string;
  createdAt: string;
  countryId?: string | undefined;
  intentId?: string | undefined;
  product?: string | undefined;
}

function toRecord(numericId: number, upstreamId: string, f: StoredFields): ActivationRecord {
  const record: ActivationRecord = { numericId, upstreamId, owner: f.owner, createdAt: Number(f.createdAt) };
  if (f.countryId !== undefined && f.countryId !== "") record.countryId = Number(f.countryId);
  if (f.intentId !== undefined && f.intentId !== "") record.intentId = f.intentId;
  if (f.product === "email") record.product = "email";
  return record;
}

function toIntent(intentId: string, h: Record<string, string>): PurchaseIntent | undefined {
  const { owner, serviceCode, countryIso, upstreamTime, createdAt } = h;
  if (
    owner === undefined ||
    serviceCode === undefined ||
    countryIso === undefined ||
    upstreamTime === undefined ||
    createdAt === undefined
  ) {
    return undefined;
  }
  const intent: PurchaseIntent = {
    intentId,
    owner,
    serviceCode,
    countryIso,
    upstreamTime: Number(upstreamTime),
    createdAt: Number(createdAt),
  };
  if (h.instance !== undefined) intent.instance = h.instance;
  if (h.claimedUpstreamId !== undefined) intent.claimedUpstreamId = h.claimedUpstreamId;
  if (h.product === "email") intent.product = "email";
  return intent;
}

type ExecResults = [error: Error | null, result: unknown][] | null;

function throwIfFailed(results: ExecResults): [Error | null, unknown][] {
  if (results === null) throw new Error("redis transaction was aborted");
  for (const [err] of results) if (err) throw err;
  return results;
}

/** Redis with neither AOF nor RDB snapshots loses every id on restart; CONFIG may be disabled. */
async function warnWithoutPersistence(redis: Redis, onEvent: RedisIdStoreOptions["onEvent"]): Promise<void> {
  try {
    const [, appendonly = ""] = (await redis.config("GET", "appendonly")) as string[];
    const [, save = ""] = (await redis.config("GET", "save")) as string[];
    if (appendonly !== "yes" && save.trim() === "") onEvent?.({ kind: "no-persistence", appendonly, save });
  } catch {
    // CONFIG renamed or disabled (managed Redis): nothing to tell
  }
}

/**
 * The operator's re-seed after a data loss no replica has a high-water mark for: the counter is
 * raised to `above` and a new marker written, unless a marker exists (then nothing changes).
 */
export async function reseedRedisStore(url: string, above: number, keyPrefix = "smsgw:"): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0 });
  redis.on("error", () => {});
  try {
    await redis.connect();
    return (
      (await redis.eval(RESEED_LUA, 2, `${keyPrefix}seq`, `${keyPrefix}epoch`, above, randomUUID())) === 1
    );
  } finally {
    redis.disconnect();
  }
}
