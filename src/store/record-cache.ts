import { LRUCache } from "lru-cache";
import type { ActivationRecord, IdStore } from "./id-store.js";

/**
 * The id store with the records it handed out kept in memory: a number's record never changes once
 * created (its id, upstream id and owner are fixed), so every poll after the first resolves its id
 * without a SQLite read or a Redis round trip. Only records found are kept; what is not found yet may
 * be mapped a moment later (by this or another replica) and is always asked again. A mailbox's record
 * is never kept: a reorder may repoint it (on any replica).
 */
export function withRecordCache<S extends IdStore>(
  store: S,
  opts: { max?: number; onRead?: (hit: boolean) => void } = {},
): S {
  const max = opts.max ?? 200_000;
  const byId = new LRUCache<number, ActivationRecord>({ max });
  const byUpstream = new LRUCache<string, ActivationRecord>({ max });
  const keep = (record: ActivationRecord | undefined) => {
    if (record && record.product === undefined) {
      byId.set(record.numericId, record);
      byUpstream.set(record.upstreamId, record);
    }
    return record;
  };
  const cached: Partial<IdStore> = {
    async upsert(upstreamId, owner, extra) {
      const result = await store.upsert(upstreamId, owner, extra);
      keep(result.record);
      return result;
    },
    async resolve(numericId, owner) {
      const known = byId.get(numericId);
      opts.onRead?.(known !== undefined);
      if (known) return known.owner === owner ? known : undefined;
      return keep(await store.resolve(numericId, owner));
    },
    async findByUpstream(upstreamId, owner) {
      const known = byUpstream.get(upstreamId);
      if (known) return known.owner === owner ? known : undefined;
      return keep(await store.findByUpstream(upstreamId, owner));
    },
    async recordOfUpstream(upstreamId) {
      return byUpstream.get(upstreamId) ?? keep(await store.recordOfUpstream(upstreamId));
    },
  };
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (typeof prop === "string" && prop in cached) return cached[prop as keyof IdStore];
      return Reflect.get(target, prop, receiver);
    },
  });
}
