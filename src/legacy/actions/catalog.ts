import { parseCsv, readFixture } from "../../fixtures.js";
import type { LegacyCountry } from "../../mapping/countries.js";
import { localNames } from "../../mapping/country-names.js";
import { UpstreamError } from "../../upstream/errors.js";
import {
  numbersStatusCodes,
  renderCountries,
  renderNumbersStatus,
  renderOperators,
  renderPrices,
  renderServicesList,
  renderTopCountries,
} from "../catalog-render.js";
import type { ActionContext, LegacyAnswer } from "../context.js";
import { failureToken } from "../failure-tokens.js";
import { countryParam } from "../params.js";
import { isTrue } from "../request.js";
import type { ActionHandler } from "../router.js";
import { T } from "../tokens.js";

/**
 * Catalogue actions (legacy-protocol.md §4 "Catalogue"): no api_key, served from the catalogue
 * cache. An upstream failure the cache cannot cover is `ERROR_SQL`, never an empty catalogue.
 */

let fixedLists: { legacyCodes: string[]; fixedKeys: string[] } | undefined;

/** The service codes of `service-codes.csv` and the keys of `legacy-fixed-keys.txt`. */
function legacyKeyLists() {
  fixedLists ??= {
    legacyCodes: parseCsv(readFixture("service-codes.csv")).flatMap((r) => (r.code ? [r.code] : [])),
    fixedKeys: readFixture("legacy-fixed-keys.txt")
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#")),
  };
  return fixedLists;
}

const namesOf = (country: LegacyCountry) => localNames(country.iso, country.nameEn);

/**
 * Catalogue answers serialized once per cached value: the cache hands out the same array until it
 * refetches, so (array, query) → JSON text stays right and a warm read does no rendering.
 */
const rendered = new WeakMap<object, Map<string, string>>();
const UNKNOWN_LIST = {};

function memoJson(source: object, query: string, render: () => unknown): LegacyAnswer {
  const byQuery = rendered.get(source) ?? new Map<string, string>();
  rendered.set(source, byQuery);
  let jsonText = byQuery.get(query);
  if (jsonText === undefined) {
    jsonText = JSON.stringify(render());
    byQuery.set(query, jsonText);
  }
  return { jsonText };
}

/** Upstream failures become the catalogue's token (ERROR_SQL) instead of a logged crash. */
function fromCatalog(action: ActionHandler): ActionHandler {
  return async (ctx) => {
    try {
      return await action(ctx);
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      ctx.log.warn({ kind: err.kind, detail: err.message }, "catalogue unavailable");
      return failureToken(err, "catalogue");
    }
  };
}

/** The `service` parameter: undefined when absent, false when the upstream does not know it. */
async function serviceParam(ctx: ActionContext): Promise<string | undefined | false> {
  const code = ctx.params.get("service");
  if (code === undefined) return undefined;
  return (await ctx.deps.catalog.services.has(code)) ? code : false;
}

async function getCountries(ctx: ActionContext): Promise<LegacyAnswer> {
  const visible = await ctx.deps.catalog.visibleCountries();
  return memoJson(visible ?? UNKNOWN_LIST, "countries", () =>
    renderCountries(ctx.deps.countries.all, visible && new Set(visible), namesOf),
  );
}

/** `country` and `lang` are ignored: the upstream has one list, in English. */
async function getServicesList(ctx: ActionContext): Promise<LegacyAnswer> {
  return { json: renderServicesList(await ctx.deps.catalog.services.list()) };
}

async function getOperators(ctx: ActionContext): Promise<LegacyAnswer> {
  const country = countryParam(ctx);
  return country ? { json: renderOperators(country.id) } : T.BAD_COUNTRY;
}

/** `operator` is ignored: the upstream has no per-operator stock. */
async function getNumbersStatus(ctx: ActionContext): Promise<LegacyAnswer> {
  const country = countryParam(ctx);
  if (!country) return T.BAD_COUNTRY;
  const view = await ctx.deps.catalog.view();
  const { legacyCodes, fixedKeys } = legacyKeyLists();
  return {
    json: renderNumbersStatus(view, country.iso, numbersStatusCodes(view.services, legacyCodes, fixedKeys)),
  };
}

/** Both parameters optional: a missing `country` means every country, a missing `service` every service. */
async function getPrices(ctx: ActionContext): Promise<LegacyAnswer> {
  const countryValue = ctx.params.get("country");
  const country = countryValue === undefined ? undefined : ctx.deps.countries.parse(countryValue);
  if (countryValue !== undefined && !country) return T.BAD_COUNTRY;
  const service = await serviceParam(ctx);
  if (service === false) return T.BAD_SERVICE;
  const view = await ctx.deps.catalog.view(service === undefined ? undefined : [service]);
  const { countries } = ctx.deps;
  const render = () => renderPrices(view, (iso) => countries.idOfIso(iso), country && [country]);
  // One service's rows are one cached array: its answers can be memoized per country asked.
  const rows = service === undefined ? undefined : view.offers.get(service);
  return rows ? memoJson(rows, `prices:${country?.id ?? "*"}`, render) : { json: render() };
}

/** Without `service`, one such object per service: `{"tg":{"62":{…}},…}`. */
async function getTopCountriesByService(ctx: ActionContext): Promise<LegacyAnswer> {
  const service = await serviceParam(ctx);
  if (service === false) return T.BAD_SERVICE;
  const freePrice = isTrue(ctx.params.get("freePrice"));
  const { countries } = ctx.deps;
  const idOfIso = (iso: string) => countries.idOfIso(iso);
  const view = await ctx.deps.catalog.view(service === undefined ? undefined : [service]);
  if (service !== undefined) {
    return { json: renderTopCountries(view.offers.get(service) ?? [], idOfIso, freePrice) };
  }
  const perService = [...view.offers].map(([code, rows]) => [
    code,
    renderTopCountries(rows, idOfIso, freePrice),
  ]);
  return { json: Object.fromEntries(perService) };
}

export const catalogActions: Record<string, ActionHandler> = {
  getCountries,
  getServicesList: fromCatalog(getServicesList),
  getOperators,
  getNumbersStatus: fromCatalog(getNumbersStatus),
  // the Ruby gem's default
  getNumbersStatus1: fromCatalog(getNumbersStatus),
  getPrices: fromCatalog(getPrices),
  getTopCountriesByService: fromCatalog(getTopCountriesByService),
  getTopCountriesByServiceRank: fromCatalog(getTopCountriesByService),
};
