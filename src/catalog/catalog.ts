import type { Logger } from "pino";
import { withDeadline } from "../common/deadline.js";
import { toCents } from "../common/money.js";
import type { UpstreamClient } from "../upstream/client.js";
import { UpstreamError } from "../upstream/errors.js";
import type { Offer } from "../upstream/schemas.js";
import { CallGate } from "./call-gate.js";
import { type Cached, RefreshingCache } from "./refreshing-cache.js";
import { SERVICE_LIST, ServiceDirectory, type ServiceEntry } from "./service-directory.js";
import { decodeSnapshot, SNAPSHOT_VERSION, type Snapshot } from "./snapshot.js";
import type { SnapshotStore } from "./snapshot-store.js";

/** One buyable offer of a service: upstream country, price in cents, numbers in stock. */
export interface OfferRow {
  iso: string;
  priceCents: number;
  stock: number;
}

/** What catalogue actions render: the services and the offers of those asked for. */
export interface CatalogView {
  /** every upstream service, in upstream order */
  services: readonly ServiceEntry[];
  /** offers by service code, for the services asked for */
  offers: ReadonlyMap<string, readonly OfferRow[]>;
}

export interface CatalogSettings {
  /** prices and stock: stale after this, refreshed in the background */
  pricesTtlMs: number;
  /** the service and country lists */
  listsTtlMs: number;
  /** upstream calls in flight at once */
  concurrency: number;
  /** upstream calls started per second */
  ratePerS: number;
  /** a read that needs upstream calls gives up after this (`ERROR_SQL`); the calls go on */
  coldDeadlineMs: number;
}

export type CatalogUpstream = Pick<UpstreamClient, "listServices" | "listCountries" | "serviceCountries">;

export interface CatalogOptions {
  upstream: CatalogUpstream;
  settings: CatalogSettings;
  log: Logger;
  snapshots?: SnapshotStore | undefined;
  /** every cache read, by cache name ("services", "countries", "offers"), for metrics */
  onCacheRead?: (cache: string, hit: boolean) => void;
  now?: () => number;
}

const COUNTRY_LIST = "countries";
/** More services than any provider lists (HeroSMS: ~811). */
const MAX_SERVICES = 4096;
/** Refresh-ahead starts this fraction of the TTL before a value goes stale. */
const REFRESH_AHEAD_FRACTION = 0.2;
/** A failed refresh is retried after this fraction of the TTL, at most a minute. */
const RETRY_FRACTION = 0.25;
const MAX_RETRY_MS = 60_000;
/** Coalesces the writes of one fan-out into one snapshot. */
const SNAPSHOT_DELAY_MS = 1000;
/** getCountries needs the upstream only for `visible`: it does not wait long for it. */
const COUNTRIES_WAIT_MS = 2000;

/**
 * The catalogue: service list, country list and the per-service price/stock matrix, fetched from
 * the upstream within a concurrency and rate bound, cached with single-flight, stale-while-revalidate
 * and stale-if-error, and saved as a snapshot so that a restart starts warm.
 */
export class Catalog {
  readonly services: ServiceDirectory;
  private readonly serviceList: RefreshingCache<typeof SERVICE_LIST, ServiceEntry[]>;
  private readonly countryList: RefreshingCache<typeof COUNTRY_LIST, string[]>;
  private readonly offers: RefreshingCache<string, OfferRow[]>;
  private readonly gate: CallGate;
  private readonly log: Logger;
  private readonly now: () => number;
  private saveTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private dirty = false;
  private closed = false;

  constructor(private readonly opts: CatalogOptions) {
    const { upstream, settings } = opts;
    this.log = opts.log;
    this.now = opts.now ?? Date.now;
    this.gate = new CallGate(settings.concurrency, settings.ratePerS, this.now);
    const common = <K>(name: string, ttlMs: number) => ({
      ttlMs,
      refreshAheadMs: Math.floor(ttlMs * REFRESH_AHEAD_FRACTION),
      retryAfterMs: Math.min(MAX_RETRY_MS, Math.max(1, Math.floor(ttlMs * RETRY_FRACTION))),
      now: this.now,
      onLoaded: () => this.scheduleSave(),
      onRead: (hit: boolean) => opts.onCacheRead?.(name, hit),
      onRefreshFailed: (key: K, err: unknown) =>
        this.log.warn({ cache: name, key: String(key), err: describe(err) }, "catalogue fetch failed"),
    });
    this.serviceList = new RefreshingCache({
      ...common<typeof SERVICE_LIST>("services", settings.listsTtlMs),
      max: 1,
      load: async () =>
        (await this.gate.run(() => upstream.listServices())).map(({ code, name }) => ({ code, name })),
    });
    this.countryList = new RefreshingCache({
      ...common<typeof COUNTRY_LIST>("countries", settings.listsTtlMs),
      max: 1,
      load: async () =>
        (await this.gate.run(() => upstream.listCountries())).map((c) => c.isoCode.toUpperCase()),
    });
    this.offers = new RefreshingCache({
      ...common<string>("offers", settings.pricesTtlMs),
      max: MAX_SERVICES,
      load: (code) => this.loadOffers(code),
    });
    this.services = new ServiceDirectory(this.serviceList, undefined, this.now);
  }

  /**
   * The offers of `codes` (every upstream service when omitted). Rejects with an UpstreamError when
   * part of it was never fetched and cannot be within the cold deadline: never a partial matrix.
   */
  view(codes?: readonly string[]): Promise<CatalogView> {
    const warm = this.cachedView(codes);
    if (warm) return Promise.resolve(warm);
    return this.withinDeadline(this.coldDeadlineMs, async () => {
      const services = await this.services.list();
      if (codes === undefined) {
        // A full fan-out also fetches the country list (getCountries' `visible`), without waiting for it.
        this.countryList.get(COUNTRY_LIST).catch(() => undefined);
      }
      const wanted = codes ?? services.map((s) => s.code);
      const rows = await Promise.all(wanted.map((code) => this.offers.get(code)));
      return { services, offers: new Map(wanted.map((code, i) => [code, rows[i]!])) };
    });
  }

  /** The view from values already cached (no timer, no waiting), or undefined if any is missing. */
  private cachedView(codes?: readonly string[]): CatalogView | undefined {
    const services = this.serviceList.cached(SERVICE_LIST);
    if (services === undefined) return undefined;
    if (codes === undefined && this.countryList.cached(COUNTRY_LIST) === undefined) {
      this.countryList.get(COUNTRY_LIST).catch(() => undefined);
    }
    const offers = new Map<string, OfferRow[]>();
    for (const code of codes ?? services.map((s) => s.code)) {
      const rows = this.offers.cached(code);
      if (rows === undefined) return undefined;
      offers.set(code, rows);
    }
    return { services, offers };
  }

  /**
   * ISO codes the upstream lists, or undefined when that list is unknown (never rejects). The same
   * array is returned until the list is refetched, so callers can memoize what they derive from it.
   */
  async visibleCountries(): Promise<readonly string[] | undefined> {
    const cached = this.countryList.cached(COUNTRY_LIST);
    if (cached !== undefined) return cached;
    try {
      const wait = Math.min(this.coldDeadlineMs, COUNTRIES_WAIT_MS);
      return await this.withinDeadline(wait, () => this.countryList.get(COUNTRY_LIST));
    } catch {
      return undefined;
    }
  }

  /**
   * The upstream says these services' offers changed (a sandbox's control routes): they are loaded
   * again before this resolves, so the next read shows the change. `"all"`: every cached service.
   */
  async reloadOffers(codes: readonly string[] | "all"): Promise<void> {
    const keys = codes === "all" ? this.offers.entries().map(([code]) => code) : codes;
    await Promise.all(keys.map((code) => this.offers.reload(code).catch(() => undefined)));
  }

  /** Seeds the caches from the saved snapshot; a missing or unreadable one leaves them cold. */
  async load(): Promise<void> {
    const store = this.opts.snapshots;
    if (!store) return;
    let snapshot: Snapshot;
    try {
      const text = await store.load();
      if (text === undefined) return;
      snapshot = decodeSnapshot(text);
    } catch (err) {
      this.log.warn({ where: store.where, err: describe(err) }, "catalogue snapshot not loaded");
      return;
    }
    if (snapshot.services)
      this.serviceList.seed(SERVICE_LIST, snapshot.services.value, snapshot.services.fetchedAt);
    if (snapshot.countries)
      this.countryList.seed(COUNTRY_LIST, snapshot.countries.value, snapshot.countries.fetchedAt);
    for (const [code, entry] of Object.entries(snapshot.offers))
      this.offers.seed(code, entry.value, entry.fetchedAt);
    this.log.info(
      { where: store.where, services: Object.keys(snapshot.offers).length, savedAt: snapshot.savedAt },
      "catalogue snapshot loaded",
    );
  }

  /** Writes the snapshot if anything changed since the last one. */
  async flush(): Promise<void> {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (!this.dirty || !this.opts.snapshots) return this.saving;
    this.dirty = false;
    const store = this.opts.snapshots;
    const document = JSON.stringify(this.snapshot());
    this.saving = this.saving
      .then(() => store.save(document))
      .catch((err) =>
        this.log.warn({ where: store.where, err: describe(err) }, "catalogue snapshot not saved"),
      );
    return this.saving;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    await this.opts.snapshots?.close();
  }

  private get coldDeadlineMs(): number {
    return this.opts.settings.coldDeadlineMs;
  }

  private async loadOffers(code: string): Promise<OfferRow[]> {
    try {
      return toRows(await this.gate.run(() => this.opts.upstream.serviceCountries(code)));
    } catch (err) {
      // Gone upstream since the service list was fetched: offered nowhere, not an outage.
      if (err instanceof UpstreamError && err.kind === "not_found") return [];
      throw err;
    }
  }

  private scheduleSave(): void {
    this.dirty = true;
    if (this.saveTimer || this.closed || !this.opts.snapshots) return;
    this.saveTimer = setTimeout(() => void this.flush(), SNAPSHOT_DELAY_MS);
    this.saveTimer.unref();
  }

  private snapshot(): Snapshot {
    const plain = <V>(entry: Cached<V> | undefined) =>
      entry && { value: entry.value, fetchedAt: entry.fetchedAt };
    return {
      version: SNAPSHOT_VERSION,
      savedAt: this.now(),
      services: plain(this.serviceList.peek(SERVICE_LIST)),
      countries: plain(this.countryList.peek(COUNTRY_LIST)),
      offers: Object.fromEntries(this.offers.entries().map(([code, entry]) => [code, plain(entry)!])),
    };
  }

  private withinDeadline<T>(ms: number, work: () => Promise<T>): Promise<T> {
    return withDeadline(
      work(),
      ms,
      () => new UpstreamError("timeout", `catalogue not available within ${ms} ms`),
    );
  }
}

/** Buyable offers only (docs/native-api.md: `availability` "ok" and stock > 0), prices in cents. */
export function toRows(offers: readonly Offer[]): OfferRow[] {
  return offers.flatMap((o) => {
    const priceCents = toCents(o.price);
    const buyable = (o.availability ?? "ok") === "ok" && o.stock > 0;
    return buyable && priceCents !== undefined
      ? [{ iso: o.isoCode.toUpperCase(), priceCents, stock: Math.trunc(o.stock) }]
      : [];
  });
}

function describe(err: unknown): string {
  return err instanceof UpstreamError ? `${err.kind}: ${err.message}` : String(err);
}
