import type { CatalogView, OfferRow } from "../catalog/catalog.js";
import type { ServiceEntry } from "../catalog/service-directory.js";
import { centsToFixed2, centsToNumber } from "../common/money.js";
import type { LegacyCountry } from "../mapping/countries.js";
import type { LocalNames } from "../mapping/country-names.js";

/**
 * Catalogue → legacy JSON (docs/legacy-protocol.md §4 "Catalogue"), pure. Answers keyed by country use
 * SMS-Activate country ids; an upstream country without one is left out.
 */

export interface LegacyCountryJson {
  id: number;
  rus: string;
  eng: string;
  chn: string;
  visible: 0 | 1;
  retry: 0 | 1;
  rent: 0 | 1;
  multiService: 0 | 1;
}

/** Every known country id; `visible` from the upstream country list, or 1 when that is unknown. */
export function renderCountries(
  countries: readonly LegacyCountry[],
  visible: ReadonlySet<string> | undefined,
  names: (country: LegacyCountry) => LocalNames,
): Record<string, LegacyCountryJson> {
  const out: Record<string, LegacyCountryJson> = {};
  for (const country of countries) {
    const { rus, chn } = names(country);
    out[country.id] = {
      id: country.id,
      rus,
      eng: country.nameEn,
      chn,
      visible: visible === undefined || visible.has(country.iso) ? 1 : 0,
      retry: 1,
      rent: 0,
      multiService: 0,
    };
  }
  return out;
}

export function renderServicesList(services: readonly ServiceEntry[]) {
  return { status: "success", services: services.map(({ code, name }) => ({ code, name })) };
}

/** The native API has no operator list: every country offers "any". */
export function renderOperators(countryId: number) {
  return { status: "success", countryOperators: { [countryId]: ["any"] } };
}

/**
 * The service codes getNumbersStatus must always carry: the upstream's, then the legacy code list,
 * then the codes of the fixed keys old clients index (`av_1` → `av`); each code once.
 */
export function numbersStatusCodes(
  upstream: readonly ServiceEntry[],
  legacyCodes: readonly string[],
  fixedKeys: readonly string[],
): string[] {
  const codes = new Set(upstream.map((s) => s.code));
  for (const code of legacyCodes) codes.add(code);
  for (const key of fixedKeys) codes.add(key.replace(/_[01]$/, ""));
  return [...codes];
}

/**
 * `{"tg_0":"120","tg_1":"0",…}`: stock in one country as decimal strings, as the real service sent
 * them (docs/legacy-protocol.md §4a); `_1` (forwarding) is always "0".
 */
export function renderNumbersStatus(
  view: CatalogView,
  iso: string,
  codes: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const code of codes) {
    out[`${code}_0`] = String(stockIn(view.offers.get(code), iso));
    out[`${code}_1`] = "0";
  }
  return out;
}

function stockIn(rows: readonly OfferRow[] | undefined, iso: string): number {
  return (rows ?? []).reduce((sum, row) => (row.iso === iso ? sum + row.stock : sum), 0);
}

export interface PriceJson {
  cost: number;
  count: number;
}

/**
 * `{"62":{"tg":{"cost":0.5,"count":120}}}`: keyed by country id, then service. With `targets` the
 * countries the client asked for, each under the id it used (12 stays "12") even when empty;
 * without, every upstream country that has an id.
 */
export function renderPrices(
  view: CatalogView,
  idOfIso: (iso: string) => number | undefined,
  targets?: readonly { id: number; iso: string }[],
): Record<string, Record<string, PriceJson>> {
  const out: Record<string, Record<string, PriceJson>> = {};
  for (const target of targets ?? []) out[target.id] = {};
  for (const [code, rows] of view.offers) {
    for (const row of rows) {
      const ids = targets ? targets.filter((t) => t.iso === row.iso).map((t) => t.id) : [idOfIso(row.iso)];
      for (const id of ids) {
        if (id === undefined) continue;
        out[id] ??= {};
        out[id][code] = { cost: centsToNumber(row.priceCents), count: row.stock };
      }
    }
  }
  return out;
}

export interface TopCountryJson {
  country: number;
  count: number;
  price: number;
  retail_price: number;
  freePriceMap?: Record<string, number>;
}

/** One service's countries keyed by country id (clients sort them themselves). */
export function renderTopCountries(
  rows: readonly OfferRow[],
  idOfIso: (iso: string) => number | undefined,
  freePrice: boolean,
): Record<string, TopCountryJson> {
  const out: Record<string, TopCountryJson> = {};
  for (const row of rows) {
    const id = idOfIso(row.iso);
    if (id === undefined) continue;
    const price = centsToNumber(row.priceCents);
    out[id] = {
      country: id,
      count: row.stock,
      price,
      retail_price: price,
      ...(freePrice && { freePriceMap: { [centsToFixed2(row.priceCents)]: row.stock } }),
    };
  }
  return out;
}

/** Without a service: one object per service, keyed by service code (`{"tg":{"62":{…}},…}`). */
export function renderTopCountriesByService(
  offers: ReadonlyMap<string, readonly OfferRow[]>,
  idOfIso: (iso: string) => number | undefined,
  freePrice: boolean,
): Record<string, Record<string, TopCountryJson>> {
  return Object.fromEntries(
    [...offers].map(([code, rows]) => [code, renderTopCountries(rows, idOfIso, freePrice)]),
  );
}
