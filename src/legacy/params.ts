import { MAX_LEGACY_ID } from "../store/id-store.js";
import type { ActionContext } from "./context.js";

/** A legacy activation id: decimal digits, 1 ≤ id ≤ 2 147 483 647, no leading zeros needed. */
export function parseActivationId(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,10}$/.test(value.trim())) return undefined;
  const id = Number(value.trim());
  return id >= 1 && id <= MAX_LEGACY_ID ? id : undefined;
}

/** The `country` parameter (or the configured default) as legacy id + upstream ISO code. */
export function countryParam(ctx: ActionContext): { id: number; iso: string } | undefined {
  const value = ctx.params.get("country");
  const { countries, settings } = ctx.deps;
  if (value === undefined) {
    const fallback = countries.byLegacyId(settings.defaultCountry);
    return fallback && { id: fallback.id, iso: fallback.iso };
  }
  return countries.parse(value);
}
