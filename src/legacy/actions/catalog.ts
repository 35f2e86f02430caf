import type { ActionHandler } from "../router.js";

/** Catalogue actions (getCountries, getPrices, …): served from the catalogue cache. */
export const catalogActions: Record<string, ActionHandler> = {};
