import type { Service } from "../upstream/schemas.js";
import type { RefreshingCache } from "./refreshing-cache.js";

/** What the gateway keeps of an upstream service. */
export type ServiceEntry = Pick<Service, "code" | "name">;

/** The one key of the service-list cache. */
export const SERVICE_LIST = "services";

/**
 * The upstream's service list, from the catalogue's cache (single-flight, stale-while-revalidate,
 * stale-if-error). `BAD_SERVICE` is decided here: an unknown code triggers one refresh before it
 * is refused, so a service added upstream today works.
 */
export class ServiceDirectory {
  private lastForcedAt = Number.NEGATIVE_INFINITY;

  /** `minRefreshMs` bounds the refreshes that unknown codes can trigger (a bot looping on a typo). */
  constructor(
    private readonly cache: RefreshingCache<typeof SERVICE_LIST, ServiceEntry[]>,
    private readonly minRefreshMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** All services in upstream order; rejects (an UpstreamError) when none was ever fetched. */
  list(): Promise<ServiceEntry[]> {
    return this.cache.get(SERVICE_LIST);
  }

  async has(code: string): Promise<boolean> {
    const services = this.cache.cached(SERVICE_LIST) ?? (await this.list());
    if (services.some((s) => s.code === code)) return true;
    if (this.now() - this.lastForcedAt < this.minRefreshMs) return false;
    this.lastForcedAt = this.now();
    return (await this.cache.refresh(SERVICE_LIST)).some((s) => s.code === code);
  }
}
