import type { Product } from "../store/id-store.js";
import type { UpstreamClient } from "../upstream/client.js";
import type { EmailActivation } from "../upstream/email-schemas.js";
import { listActivationPages } from "../upstream/paging.js";
import type { Activation } from "../upstream/schemas.js";

/** The upstream calls the money code makes, for numbers and mailboxes. */
export type MoneyUpstream = Pick<
  UpstreamClient,
  | "upstreamNow"
  | "buy"
  | "getActivation"
  | "cancel"
  | "listActivations"
  | "buyEmail"
  | "getEmailActivation"
  | "cancelEmail"
  | "listEmailActivations"
>;

/** What a purchase, its reconciliation and the orphan settler read of something sold. */
export interface Sold {
  id: string;
  status: string;
  /** the service code, or a mailbox's site */
  serviceCode?: string | null | undefined;
  /** the ISO country, or a mailbox's domain */
  countryIso?: string | null | undefined;
  createdAt?: string | null | undefined;
  cancellableAt?: string | null | undefined;
  /** a code arrived (an SMS, an email): the charge is final */
  hasCode: boolean;
  /** what the upstream charged, a decimal string */
  userCost: string;
}

/** What is ordered: a service in a country, or a mailbox of a domain for a site. */
export interface Order {
  serviceCode: string;
  countryIso: string;
  operator?: string | undefined;
}

/**
 * One product's calls, for the code that keeps money safe whatever was bought (a purchase sent
 * once, its reconciliation, the settler's cancel): numbers and mailboxes differ only here.
 */
export interface ProductLine<A extends { id: string }> {
  /** how the id store marks it (undefined: a number) */
  readonly product: Product | undefined;
  sold(item: A): Sold;
  buy(key: string, order: Order): Promise<A>;
  get(key: string, id: string): Promise<A>;
  cancel(key: string, id: string): Promise<A>;
  /** the key's newest (at most 100), made even while the breaker is open */
  listNewest(key: string): Promise<A[]>;
  /** newest first, paging back until one older than `since` (bounded); `complete`: nothing older exists */
  listBackTo(key: string, since: number, maxPages: number): Promise<{ items: A[]; complete: boolean }>;
}

export function numberLine(upstream: MoneyUpstream): ProductLine<Activation> {
  return {
    product: undefined,
    sold: (a) => ({ ...a, hasCode: Boolean(a.smsCode) }),
    buy: (key, order) => upstream.buy(key, order),
    get: (key, id) => upstream.getActivation(key, id),
    cancel: (key, id) => upstream.cancel(key, id),
    listNewest: async (key) =>
      (await upstream.listActivations(key, { limit: 100 }, { essential: true })).data,
    listBackTo: async (key, since, maxPages) => {
      const reachesBack = (page: readonly Activation[]) => {
        const oldest = page.at(-1)?.createdAt;
        return typeof oldest === "string" && Date.parse(oldest) < since;
      };
      const listed = await listActivationPages(upstream, key, {
        maxPages,
        enough: reachesBack,
        essential: true,
      });
      return { items: listed.activations, complete: listed.complete };
    },
  };
}

/** The native list of mailboxes has no cursor: the newest 100 are all there is to see. */
const MAILBOX_LIST_LIMIT = 100;

export function mailboxLine(upstream: MoneyUpstream): ProductLine<EmailActivation> {
  const listNewest = (key: string) =>
    upstream.listEmailActivations(key, { limit: MAILBOX_LIST_LIMIT, essential: true });
  return {
    product: "email",
    sold: (m) => ({
      id: m.id,
      status: m.status,
      serviceCode: m.site,
      countryIso: m.domain,
      createdAt: m.createdAt,
      cancellableAt: m.cancellableAt,
      hasCode: Boolean(m.otpValue) || m.body !== null,
      userCost: m.userCost,
    }),
    buy: (key, order) => upstream.buyEmail(key, { site: order.serviceCode, domain: order.countryIso }),
    get: (key, id) => upstream.getEmailActivation(key, id),
    cancel: (key, id) => upstream.cancelEmail(key, id),
    listNewest,
    listBackTo: async (key) => {
      const items = await listNewest(key);
      return { items, complete: items.length < MAILBOX_LIST_LIMIT };
    },
  };
}
