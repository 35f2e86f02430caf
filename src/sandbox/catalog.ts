import { readFileSync } from "node:fs";
import { z } from "zod";
import { type Cents, formatMoney, parseMoney } from "./money.js";

const catalogFileSchema = z.object({
  currency: z.string(),
  countries: z.array(z.object({ isoCode: z.string(), name: z.string(), slug: z.string() })),
  services: z.array(z.object({ code: z.string(), name: z.string(), slug: z.string() })),
  offers: z.record(
    z.string(),
    z.record(z.string(), z.object({ price: z.string(), stock: z.number().int() })),
  ),
});

export interface Country {
  isoCode: string;
  name: string;
  slug: string;
}
export interface Service {
  code: string;
  name: string;
  slug: string;
}
export interface Offer {
  priceCents: Cents;
  stock: number;
}

const DEFAULT_CATALOG_URL = new URL("../../fixtures/sandbox-catalog.json", import.meta.url);

/** The price/stock matrix. Mutable: purchases take numbers out of stock. */
export class Catalog {
  readonly currency: string;
  readonly countries: readonly Country[];
  readonly services: readonly Service[];
  private readonly offers: Map<string, Map<string, Offer>>;

  constructor(file: unknown) {
    const parsed = catalogFileSchema.parse(file);
    this.currency = parsed.currency;
    this.countries = parsed.countries;
    this.services = parsed.services;
    this.offers = new Map(
      Object.entries(parsed.offers).map(([code, row]) => [
        code,
        new Map(
          Object.entries(row).map(([iso, o]) => [iso, { priceCents: parseMoney(o.price), stock: o.stock }]),
        ),
      ]),
    );
  }

  /** Works from `src/` and from `dist/`: both sit two levels below the project root. */
  static load(path: string | URL = DEFAULT_CATALOG_URL): Catalog {
    return new Catalog(JSON.parse(readFileSync(path, "utf8")));
  }

  findService(codeOrSlug: string): Service | undefined {
    const key = codeOrSlug.toLowerCase();
    return this.services.find((s) => s.code === key || s.slug === key);
  }

  findCountry(isoCode: string): Country | undefined {
    return this.countries.find((c) => c.isoCode === isoCode);
  }

  offer(serviceCode: string, isoCode: string): Offer | undefined {
    return this.offers.get(serviceCode)?.get(isoCode);
  }

  /** Creates or changes an offer (control route). */
  setOffer(serviceCode: string, isoCode: string, change: { priceCents?: Cents; stock?: number }): Offer {
    let row = this.offers.get(serviceCode);
    if (!row) {
      row = new Map();
      this.offers.set(serviceCode, row);
    }
    const offer = row.get(isoCode) ?? { priceCents: 100, stock: 0 };
    if (change.priceCents !== undefined) offer.priceCents = change.priceCents;
    if (change.stock !== undefined) offer.stock = change.stock;
    row.set(isoCode, offer);
    return offer;
  }

  /** In-stock offers of a service, in catalogue country order. */
  inStockCountries(serviceCode: string): { country: Country; offer: Offer }[] {
    const row = this.offers.get(serviceCode);
    if (!row) return [];
    return this.countries.flatMap((country) => {
      const offer = row.get(country.isoCode);
      return offer && offer.stock > 0 ? [{ country, offer }] : [];
    });
  }

  serviceSummary(service: Service) {
    const inStock = this.inStockCountries(service.code);
    const min = inStock.reduce<Cents | null>(
      (m, { offer }) => (m === null || offer.priceCents < m ? offer.priceCents : m),
      null,
    );
    return {
      code: service.code,
      slug: service.slug,
      name: service.name,
      minPrice: min === null ? null : formatMoney(min),
      stock: inStock.reduce((sum, { offer }) => sum + offer.stock, 0),
    };
  }
}
