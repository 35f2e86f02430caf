import { LRUCache } from "lru-cache";
import { UpstreamError } from "../upstream/errors.js";
import type { Service } from "../upstream/schemas.js";

/**
 * The upstream's service list, cached (fetch on miss, single-flight, stale-while-revalidate,
 * stale-if-error). `BAD_SERVICE` is decided here: an unknown code triggers one refresh before
 * it is refused, so a service added upstream today works.
 */
export class ServiceDirectory {
  private readonly cache: LRUCache<"services", Map<string, Service>>;
  private lastForcedAt = Number.NEGATIVE_INFINITY;

  /** `minRefreshMs` bounds the refreshes that unknown codes can trigger (a bot looping on a typo). */
  constructor(
    fetchList: () => Promise<Service[]>,
    ttlMs: number,
    private readonly minRefreshMs = 10_000,
  ) {
    this.cache = new LRUCache({
      max: 1,
      ttl: ttlMs,
      allowStale: true,
      allowStaleOnFetchRejection: true,
      noDeleteOnFetchRejection: true,
      fetchMethod: async () => new Map((await fetchList()).map((s) => [s.code, s])),
    });
  }

  /** All services, or an `unavailable` UpstreamError when none was ever fetched. */
  async list(opts: { forceRefresh?: boolean } = {}): Promise<Map<string, Service>> {
    let services: Map<string, Service> | undefined;
    try {
      services = await this.cache.fetch("services", { forceRefresh: opts.forceRefresh ?? false });
    } catch (err) {
      if (err instanceof UpstreamError) throw err;
      throw new UpstreamError("unavailable", String(err));
    }
    // A cold fetch that failed resolves to undefined under allowStaleOnFetchRejection.
    if (!services) throw new UpstreamError("unavailable", "service list unavailable");
    return services;
  }

  async has(code: string): Promise<boolean> {
    if ((await this.list()).has(code)) return true;
    if (Date.now() - this.lastForcedAt < this.minRefreshMs) return false;
    this.lastForcedAt = Date.now();
    return (await this.list({ forceRefresh: true })).has(code);
  }
}
