import type { Offer } from "../upstream/schemas.js";
import { type OfferRow, toRows } from "./catalog.js";

/**
 * The current offers of a service for the price check before a purchase (`maxPrice`): read from
 * the upstream, never from the catalogue cache, but at most once per `maxAgeMs` per service: a
 * burst of purchases with `maxPrice` shares one read (single flight) instead of one read each.
 */
export class FreshOffers {
  private readonly recent = new Map<string, { startedAt: number; rows: Promise<OfferRow[]> }>();

  constructor(
    private readonly read: (serviceCode: string) => Promise<Offer[]>,
    private readonly maxAgeMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  get(serviceCode: string): Promise<OfferRow[]> {
    const recent = this.recent.get(serviceCode);
    if (recent && this.now() - recent.startedAt < this.maxAgeMs) return recent.rows;
    const entry = { startedAt: this.now(), rows: this.read(serviceCode).then(toRows) };
    this.recent.set(serviceCode, entry);
    // A failed read is not reused, and old entries do not pile up.
    const forget = () => {
      if (this.recent.get(serviceCode) === entry) this.recent.delete(serviceCode);
    };
    entry.rows.catch(forget);
    setTimeout(forget, this.maxAgeMs).unref();
    return entry.rows;
  }
}
