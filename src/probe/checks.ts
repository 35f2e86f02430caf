import type { z } from "zod";
import {
  activationPageSchema,
  balanceSchema,
  countryListSchema,
  errorBodySchema,
  serviceCountriesSchema,
  serviceListSchema,
  transactionPageSchema,
} from "../upstream/schemas.js";

/** Facts learnt from earlier answers that later calls use. */
export interface ProbeContext {
  serviceCode: string;
  unknownActivationId: string;
}

/** One read-only call and what the gateway expects of its answer. */
export interface ProbeCheck {
  /** the route pattern, as in the gateway's metrics */
  name: string;
  /** shown after the request line, e.g. "no key" */
  tag?: string;
  path(ctx: ProbeContext): string;
  /** send the key (x-api-key) */
  withKey: boolean;
  expectStatus: readonly number[];
  schema: z.ZodType;
  /** what the gateway would do if this answer keeps differing */
  consequence: string;
  learn?(data: unknown, ctx: ProbeContext): void;
  /** something the answer could not show (e.g. an empty list proves nothing about its items) */
  note?(data: unknown): string | undefined;
}

const emptyNote = (what: string) => (data: unknown) => {
  const items = (data as { data?: unknown[] }).data;
  return Array.isArray(items) && items.length === 0
    ? `the page was empty, so the ${what} shape could not be checked`
    : undefined;
};

/** In this order; only GETs, so the probe never buys, cancels or changes anything. */
export const PROBE_CHECKS: readonly ProbeCheck[] = [
  {
    name: "GET /countries",
    path: () => "/countries",
    withKey: false,
    expectStatus: [200],
    schema: countryListSchema,
    consequence: "catalogue actions (getCountries, getPrices, getNumbersStatus, …) would answer ERROR_SQL",
  },
  {
    name: "GET /services",
    path: () => "/services",
    withKey: false,
    expectStatus: [200],
    schema: serviceListSchema,
    consequence:
      "catalogue actions and service-code mapping would fail: getNumber and getPrices would answer ERROR_SQL",
    learn(data, ctx) {
      const codes = (data as { code: string }[]).map((s) => s.code);
      if (!codes.includes(ctx.serviceCode) && codes[0]) ctx.serviceCode = codes[0];
    },
  },
  {
    name: "GET /services/:code/countries",
    path: (ctx) => `/services/${encodeURIComponent(ctx.serviceCode)}/countries`,
    withKey: false,
    expectStatus: [200],
    schema: serviceCountriesSchema,
    consequence: "getNumber/getNumberV2 (the price check before buying) and getPrices would answer ERROR_SQL",
  },
  {
    name: "GET /wallet/balance",
    path: () => "/wallet/balance",
    withKey: true,
    expectStatus: [200],
    schema: balanceSchema,
    consequence: "getBalance would answer ERROR_SQL",
  },
  {
    name: "GET /activations",
    path: () => "/activations?limit=5",
    withKey: true,
    expectStatus: [200],
    schema: activationPageSchema,
    consequence:
      "getActiveActivations and getHistory would answer ERROR_SQL, and a purchase whose answer was lost could not be reconciled (ERROR_SQL)",
    note: emptyNote("activation"),
  },
  {
    name: "GET /wallet/transactions",
    path: () => "/wallet/transactions?limit=5",
    withKey: true,
    expectStatus: [200],
    schema: transactionPageSchema,
    consequence: "no legacy action reads transactions today: informational",
    note: emptyNote("transaction"),
  },
  {
    name: "GET /activations/:id",
    tag: "unknown id",
    path: (ctx) => `/activations/${ctx.unknownActivationId}`,
    withKey: true,
    expectStatus: [404],
    schema: errorBodySchema,
    consequence:
      "error answers would not be understood: an unknown id would not be NO_ACTIVATION, and a stockout (503 with this body) would look like an outage (ERROR_SQL instead of NO_NUMBERS)",
  },
  {
    name: "GET /wallet/balance",
    tag: "no key",
    path: () => "/wallet/balance",
    withKey: false,
    // the gateway reads both as a refused key
    expectStatus: [401, 403],
    schema: errorBodySchema,
    consequence:
      "a refused key would not be recognised: bots with a wrong key would get ERROR_SQL, not BAD_KEY",
  },
];
