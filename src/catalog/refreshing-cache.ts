import { LRUCache } from "lru-cache";

/** A cached value and when it was fetched (ms since epoch; survives a restart via the snapshot). */
export interface Cached<V> {
  value: V;
  fetchedAt: number;
  /** when a read should start a background refresh */
  refreshAt: number;
}

export interface RefreshingCacheOptions<K, V> {
  /** explicit bound on the number of keys */
  max: number;
  /** after this a value is stale: still served, refreshed in the background */
  ttlMs: number;
  /** reads start a background refresh once a value is this close to going stale */
  refreshAheadMs: number;
  /** after a failed refresh, the last good value is served this long before the next attempt */
  retryAfterMs: number;
  load: (key: K) => Promise<V>;
  /** a fresh value was loaded (e.g. to save a snapshot) */
  onLoaded?: (key: K, entry: Cached<V>) => void;
  onRefreshFailed?: (key: K, err: unknown) => void;
  /** every read: whether a value (fresh or stale) was there */
  onRead?: (hit: boolean) => void;
  now?: () => number;
}

/**
 * lru-cache with the catalogue's semantics: single-flight loads (concurrent reads of a key share
 * one load), stale-while-revalidate (a stale value is answered at once and refreshed in the
 * background), refresh-ahead (a read close to the TTL refreshes before the value goes stale) and
 * stale-if-error (a failed refresh keeps the last good value). Only a cold load that fails rejects.
 */
export class RefreshingCache<K extends {}, V extends {}> {
  private readonly lru: LRUCache<K, Cached<V>>;
  private readonly now: () => number;
  /** bumped by `reload`: a load that started before is done again (its answer may predate the change) */
  private readonly generations = new Map<K, number>();

  constructor(private readonly opts: RefreshingCacheOptions<K, V>) {
    this.now = opts.now ?? Date.now;
    this.lru = new LRUCache<K, Cached<V>>({
      max: opts.max,
      ttl: opts.ttlMs,
      perf: { now: this.now },
      ttlResolution: 0,
      allowStale: true,
      noDeleteOnStaleGet: true,
      fetchMethod: (key, stale, { options }) => this.fetchEntry(key, stale, options),
    });
  }

  /** The value, loading it on a miss; rejects only when there is no value and the load fails. */
  async get(key: K): Promise<V> {
    const cached = this.cached(key);
    if (cached !== undefined) return cached;
    this.opts.onRead?.(false);
    const entry = await this.lru.fetch(key);
    if (entry === undefined) throw new Error(`cache load of ${String(key)} returned nothing`);
    return entry.value;
  }

  /**
   * The value if there is one, fresh or stale, without waiting (a stale or nearly stale one is
   * refreshed in the background); undefined on a miss. The warm path of every catalogue read.
   */
  cached(key: K): V | undefined {
    const entry = this.peek(key);
    if (entry === undefined) return undefined;
    this.opts.onRead?.(true);
    if (this.now() >= entry.refreshAt) this.refreshInBackground(key);
    return entry.value;
  }

  /** The value without loading, stale or not. */
  peek(key: K): Cached<V> | undefined {
    return this.lru.peek(key, { allowStale: true });
  }

  /** Loads a fresh value now (waiting for it); on failure keeps and returns the last good one. */
  async refresh(key: K): Promise<V> {
    const entry = await this.lru.fetch(key, { forceRefresh: true, allowStale: false });
    if (entry === undefined) throw new Error(`cache load of ${String(key)} returned nothing`);
    return entry.value;
  }

  /**
   * The upstream value changed (it said so): loads it again now, and makes a load already in flight
   * load again, so that no read after this resolves gets the old value. A key never loaded stays
   * cold; on failure the last good value is kept, as with any refresh.
   */
  async reload(key: K): Promise<void> {
    this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
    if (this.peek(key) !== undefined) await this.refresh(key);
  }

  /** Puts a value fetched earlier (a snapshot), aged by its `fetchedAt`. */
  seed(key: K, value: V, fetchedAt: number): void {
    const start = Math.min(fetchedAt, this.now());
    this.lru.set(key, this.entry(value, start), { start });
  }

  /** Every key with a value (stale included), for snapshots. */
  entries(): [K, Cached<V>][] {
    const out: [K, Cached<V>][] = [];
    for (const key of this.lru.keys()) {
      const entry = this.peek(key);
      if (entry) out.push([key, entry]);
    }
    return out;
  }

  private refreshInBackground(key: K): void {
    // With allowStale, a forced fetch answers the current value and refreshes behind it; lru-cache
    // shares the load with any refresh already in flight for this key.
    this.lru.fetch(key, { forceRefresh: true }).catch(() => undefined);
  }

  private entry(value: V, fetchedAt: number): Cached<V> {
    return { value, fetchedAt, refreshAt: fetchedAt + this.opts.ttlMs - this.opts.refreshAheadMs };
  }

  private async fetchEntry(
    key: K,
    stale: Cached<V> | undefined,
    options: LRUCache.FetcherFetchOptions<K, Cached<V>>,
  ): Promise<Cached<V>> {
    try {
      let value: V;
      let generation: number | undefined;
      do {
        generation = this.generations.get(key);
        value = await this.opts.load(key);
      } while (this.generations.get(key) !== generation);
      const entry = this.entry(value, this.now());
      this.opts.onLoaded?.(key, entry);
      return entry;
    } catch (err) {
      this.opts.onRefreshFailed?.(key, err);
      if (stale === undefined) throw err;
      // Keep the last good value, and stop every read from retrying a failing upstream at once.
      options.ttl = this.opts.retryAfterMs;
      return { ...stale, refreshAt: this.now() + this.opts.retryAfterMs };
    }
  }
}
