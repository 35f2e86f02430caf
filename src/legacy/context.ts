import type { Logger } from "pino";
import type { Catalog } from "../catalog/catalog.js";
import type { FreshOffers } from "../catalog/fresh-offers.js";
import type { MailboxDomains } from "../catalog/mailbox-domains.js";
import type { ServiceDirectory } from "../catalog/service-directory.js";
import type { RequestScope } from "../common/request-scope.js";
import type { SpendLimits } from "../common/spend-limits.js";
import type { GatewayEvents } from "../events.js";
import type { LegacyKeyLists } from "../fixtures.js";
import type { CountryTable } from "../mapping/countries.js";
import type { KeyRing } from "../money/key-ring.js";
import type { PurchaseCoordinator } from "../money/purchase-coordinator.js";
import type { IdStore } from "../store/id-store.js";
import type { SpendLedger } from "../store/spend-ledger.js";
import type { ActivationTracker } from "../tracker/tracker.js";
import type { UpstreamClient } from "../upstream/client.js";
import type { EmailActivation } from "../upstream/email-schemas.js";
import type { StatusShield } from "../upstream/status-shield.js";
import type { JsonMemo } from "./json-memo.js";
import type { KnownKeys } from "./known-keys.js";
import type { LegacyAnswer } from "./reply.js";
import type { LegacyParams } from "./request.js";

/** What the legacy actions need, injected once at start-up (`gateway/start.ts`). */
export interface GatewayDeps {
  upstream: UpstreamClient;
  ids: IdStore;
  /** upstream keys of owners seen recently (memory only), for the orphan settler */
  keyRing: KeyRing;
  /** individual activation reads: concurrent polls share one, a result is reused briefly */
  shield: StatusShield;
  /** mailbox reads: at most one upstream read per mailbox and second */
  mailboxReads: StatusShield<EmailActivation>;
  /** mailbox domains per owner and site, cached briefly */
  mailboxDomains: MailboxDomains;
  /** polls answered from one listing per key and interval; undefined with TRACK_INTERVAL_MS=0 */
  tracker?: ActivationTracker | undefined;
  countries: CountryTable;
  /** the catalogue's service list (`BAD_SERVICE` is decided there) */
  services: ServiceDirectory;
  /** prices, stock and lists, cached (catalogue actions) */
  catalog: Catalog;
  /** what getNumbersStatus must always answer for */
  legacyLists: LegacyKeyLists;
  /** catalogue answers serialized once per cached value */
  answers: JsonMemo;
  /** current offers for the price check before a purchase (single flight, at most ~1 s old) */
  freshOffers: FreshOffers;
  /** keys the upstream accepted recently */
  knownKeys: KnownKeys;
  /** purchases in flight in this process, and what reconciliations took */
  purchases: PurchaseCoordinator;
  /** what limited keys spent (absent: no key has limits) */
  ledger?: SpendLedger | undefined;
  /** told when a limit refuses a purchase (metrics, and a warning once per key and day) */
  limitRefused?: ((owner: string, reason: string) => void) | undefined;
  /** what observers (the console, webhooks) are told */
  events: GatewayEvents;
  /** called once per ambiguous purchase with how its reconciliation ended */
  onReconciliation?: (result: "claimed" | "none_found" | "list_failed") => void;
  /** called when a bought activation's mapping was not stored at the first try, with how that ended */
  onUnstored?: (outcome: "stored_late" | "cancelled" | "cancel_failed") => void;
  settings: {
    /** the legacy country id used when `country` is missing */
    defaultCountry: number;
    /** PURCHASE_TIMEOUT_MS: how long a purchase may be in flight */
    purchaseTimeoutMs: number;
    /** RECONCILE_WAIT_MS: how long a lost purchase's reconciliation retries a failed listing */
    reconcileWaitMs: number;
    /** EMAIL_ADDRESS_WAIT_MS: how long a mailbox purchase waits for its address */
    emailAddressWaitMs: number;
  };
}

export interface ActionContext {
  params: LegacyParams;
  /** the api key (upstream key); "" for catalogue actions called without one */
  key: string;
  /** hash of the key presented by the client: the owner of its activations */
  owner: string;
  /** the client presented the upstream key itself (false with gateway keys) */
  presentedUpstreamKey: boolean;
  /** the presented key's spend limits, when it has any (README "Spend limits") */
  limits?: SpendLimits | undefined;
  deps: GatewayDeps;
  log: Logger;
  /** this request's facts for its log line (native calls made, the cause of a failure) */
  scope?: RequestScope | undefined;
}

export type ActionHandler = (ctx: ActionContext) => Promise<LegacyAnswer>;

/** The kinds of legacy action, as the columns of docs/legacy-protocol.md §6b (`mailbox`: §9). */
export type ActionGroup = "purchase" | "activation" | "account" | "catalogue" | "mailbox";

export interface ActionSpec {
  handler: ActionHandler;
  /** which column of the failure table an upstream failure of this action is answered from */
  group: ActionGroup;
  /** catalogue and not-offered actions answer without `api_key` */
  needsKey: boolean;
  /**
   * How a refusal token (a bad key, a failure, the action's own) is answered: the email API's V1
   * wraps it in SA's JSON error envelope. Absent: the bare token.
   */
  refusal?: ((token: string) => LegacyAnswer) | undefined;
}

export type { LegacyAnswer } from "./reply.js";
