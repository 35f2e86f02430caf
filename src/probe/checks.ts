import {
  activationPageSchema,
  balanceSchema,
  countryListSchema,
  errorBodySchema,
  serviceCountriesSchema,
  serviceListSchema,
  transactionPageSchema,
} from "../upstream/schemas.js";
import { EMAIL_PROBE_CHECKS } from "./email-checks.js";
import type { ProbeCheck } from "./types.js";

type Page = { data: { id: string; status: string }[]; nextCursor: string | null };
const LIVE = ["WAITING", "RECEIVED"];

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
    name: "GET /activations",
    tag: "status filter",
    path: () => `/activations?limit=100&status=${LIVE.join(",")}`,
    withKey: true,
    expectStatus: [200],
    schema: activationPageSchema,
    consequence:
      "the activation tracker reads this live list every second: if the filter is ignored it reads more than it needs, if it drops live ones polls read them one by one (set TRACK_INTERVAL_MS=0 to turn the tracker off)",
    verify: (data) =>
      (data as Page).data.flatMap((a, i) =>
        LIVE.includes(a.status)
          ? []
          : [`data[${i}].status: ${a.status} is outside the filter ${LIVE.join(",")}`],
      ),
    note: emptyNote("filtered activation"),
  },
  {
    name: "GET /activations",
    tag: "first page of 1",
    path: () => "/activations?limit=1",
    withKey: true,
    expectStatus: [200],
    schema: activationPageSchema,
    consequence: "listings and the activation tracker could not page through the key's activations",
    learn(data, ctx) {
      const page = data as Page;
      ctx.firstPage = { ids: page.data.map((a) => a.id), cursor: page.nextCursor };
    },
  },
  {
    name: "GET /activations",
    tag: "cursor",
    path: (ctx) =>
      ctx.firstPage?.cursor
        ? `/activations?limit=1&cursor=${encodeURIComponent(ctx.firstPage.cursor)}`
        : "/activations?limit=1",
    withKey: true,
    expectStatus: [200],
    schema: activationPageSchema,
    consequence:
      "getActiveActivations, getHistory, the orphan settler and the activation tracker follow nextCursor: they would repeat or miss activations (TRACK_MAX_PAGES=1 limits the tracker to the first page)",
    verify(data, ctx) {
      if (!ctx.firstPage?.cursor) return [];
      const again = (data as Page).data.filter((a) => ctx.firstPage!.ids.includes(a.id));
      return again.length > 0 ? ["data: the cursor answered the first page again"] : [];
    },
    note: (_data, ctx) =>
      ctx?.firstPage?.cursor ? undefined : "fewer than two activations: the cursor could not be checked",
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
  ...EMAIL_PROBE_CHECKS,
];
