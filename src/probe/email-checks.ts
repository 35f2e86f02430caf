import { emailActivationListSchema, emailDomainListSchema } from "../upstream/email-schemas.js";
import { errorBodySchema } from "../upstream/schemas.js";
import type { ProbeCheck } from "./types.js";

/** The site the read-only email checks ask about (`--buy-email SITE:…` replaces it). */
export const EMAIL_SITE = "telegram.com";

const domainsPath = (site: string) => `/email-activations/domains?${new URLSearchParams({ site })}`;

/** Read-only GETs of the email product (docs/native-api.md §10): every route needs the key. */
export const EMAIL_PROBE_CHECKS: readonly ProbeCheck[] = [
  {
    name: "GET /email-activations/domains",
    path: (ctx) => domainsPath(ctx.emailSite),
    withKey: true,
    expectStatus: [200],
    schema: emailDomainListSchema,
    consequence:
      "getDomains and buyMailActivation (the domain and its price are read before buying) would answer ERROR_SQL, V2 /emails/domains and POST /emails 503",
    note: (data, ctx) =>
      (data as unknown[]).length === 0
        ? `no domain is offered for ${ctx?.emailSite}: the domain shape could not be checked`
        : undefined,
  },
  {
    name: "GET /email-activations",
    path: () => "/email-activations?limit=5",
    withKey: true,
    expectStatus: [200],
    schema: emailActivationListSchema,
    consequence:
      "getMailHistory (and V2 GET /emails) would answer ERROR_SQL, and a mailbox purchase whose answer was lost could not be reconciled (the settler could not find it to refund it)",
    note: (data) =>
      (data as unknown[]).length === 0
        ? "the list was empty, so the mailbox shape could not be checked (--buy-email checks one)"
        : undefined,
  },
  {
    name: "GET /email-activations/:id",
    tag: "unknown id",
    path: (ctx) => `/email-activations/${ctx.unknownActivationId}`,
    withKey: true,
    expectStatus: [404],
    schema: errorBodySchema,
    consequence:
      "error answers on email routes would not be understood: a mailbox the upstream does not know would make checkMailActivation answer ERROR_SQL, and a sold-out domain (503 with this body) would not be CHANNELS_LIMIT",
  },
  {
    name: "GET /email-activations/domains",
    tag: "no key",
    path: (ctx) => domainsPath(ctx.emailSite),
    withKey: false,
    expectStatus: [401, 403],
    schema: errorBodySchema,
    consequence:
      "every email route is documented to need the key: if this one does not, a refused key on getDomains would not be BAD_KEY, and the domain list is not tied to the key's prices",
  },
];
