import { T } from "../../common/tokens.js";
import type { LegacyCountry } from "../../mapping/countries.js";
import { localNames } from "../../mapping/country-names.js";
import {
  numbersStatusCodes,
  renderCountries,
  renderNumbersStatus,
  renderOperators,
  renderPrices,
  renderServicesList,
  renderTopCountries,
  renderTopCountriesByService,
} from "../catalog-render.js";
import type { ActionContext, ActionHandler, LegacyAnswer } from "../context.js";
import { countryParam } from "../params.js";
import { isTrue } from "../request.js";

/**
 * Catalogue actions (docs/legacy-protocol.md §4 "Catalogue"): no api_key, served from the catalogue
 * cache. An upstream failure the cache cannot cover is `ERROR_SQL`, never an empty catalogue.
 */

const namesOf = (country: LegacyCountry) => localNames(country.iso, country.nameEn);

/** Stands for "the upstream country list is unknown" in the memo of getCountries. */
const UNKNOWN_LIST = {};

/** The `service` parameter: undefined when absent, false when the upstream does not know it. */
async function serviceParam(ctx: ActionContext): Promise<string | undefined | false> {
  const code = ctx.params.get("service");
  if (code === undefined) return undefined;
  return (await ctx.deps.catalog.services.has(code)) ? code : false;
}

async function getCountries(ctx: ActionContext): Promise<LegacyAnswer> {
  const visible = await ctx.deps.catalog.visibleCountries();
  return ctx.deps.answers.answer(visible ?? UNKNOWN_LIST, "countries", () =>
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
  const { legacyCodes, fixedKeys } = ctx.deps.legacyLists;
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
  return rows ? ctx.deps.answers.answer(rows, `prices:${country?.id ?? "*"}`, render) : { json: render() };
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
  return { json: renderTopCountriesByService(view.offers, idOfIso, freePrice) };
}

export const catalogActions: Record<string, ActionHandler> = {
  getCountries,
  getServicesList,
  getOperators,
  getNumbersStatus,
  // the Ruby gem's default
  getNumbersStatus1: getNumbersStatus,
  getPrices,
  getTopCountriesByService,
  getTopCountriesByServiceRank: getTopCountriesByService,
};
