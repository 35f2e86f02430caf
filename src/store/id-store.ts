/**
 * The durable map between legacy numeric ids and upstream activation ids (docs/architecture.md decision 1),
 * plus the claims that must hold across restarts and replicas: `orderId` claims and purchase intents.
 *
 * `owner` is always a hash of the api key (see `ownerOf`), never the key itself.
 * Implementations: `sqlite.ts` (embedded default) and `redis.ts` (replicas); both pass
 * `test/store/id-store.contract.ts`.
 */

/** The largest id a legacy client can hold (Java `Integer.parseInt`). */
export const MAX_LEGACY_ID = 2_147_483_647;

export interface ActivationRecord {
  numericId: number;
  upstreamId: string;
  owner: string;
  /** ms since epoch, when the gateway first mapped it */
  createdAt: number;
  /** the legacy country id the client asked with (12 vs 187), when the gateway bought it */
  countryId?: number | undefined;
  /**
   * the purchase intent that mapped it: while that intent is open, the answer carrying this id has
   * not reached the client (a crash in between leaves it to the orphan settler)
   */
  intentId?: string | undefined;
  /** what was bought: absent for a phone number, `"email"` for a mailbox (docs/legacy-protocol.md §9) */
  product?: Product | undefined;
}

/** The products an id can name besides a phone number (absent `product`). */
export type Product = "email";

export interface UpsertResult {
  record: ActivationRecord;
  /** true when this call created the mapping (an atomic claim of that upstream activation) */
  created: boolean;
}

export type OrderClaim =
  | { state: "claimed" } // this caller owns the orderId now and may buy
  | { state: "exists"; numericId?: number | undefined }; // someone already claimed it

export interface PurchaseIntent {
  intentId: string;
  owner: string;
  /** what is bought: absent for a number, `"email"` for a mailbox */
  product?: Product | undefined;
  /** the service code, or a mailbox's site (`telegram.com`) */
  serviceCode: string;
  /** the ISO country, or a mailbox's domain (`gmx.com`) */
  countryIso: string;
  /** upstream clock (ms since epoch) just before the purchase, from the upstream `Date` header */
  upstreamTime: number;
  /** local clock (ms since epoch) when recorded */
  createdAt: number;
  /** the gateway process that made the purchase (its heartbeat tells whether it still can finish it) */
  instance?: string | undefined;
  /** the activation a settler claimed for this intent and has not yet cancelled */
  claimedUpstreamId?: string | undefined;
}

/**
 * One webhook delivery in the outbox (docs/legacy-protocol.md §8): one code an activation received,
 * to be POSTed to its owner's receiver. It holds the payload and the owner hash, never a secret or a
 * receiver URL (both are looked up when it is sent).
 */
export interface WebhookDelivery {
  /** stable across retries (the `X-Webhook-Id` header); derived from the activation and its code */
  deliveryId: string;
  owner: string;
  /** deliveries of one activation are attempted one at a time, in the order they were enqueued */
  upstreamId: string;
  /** the JSON body */
  payload: string;
  /** ms since epoch, when it was enqueued */
  createdAt: number;
  /** attempts made so far */
  attempts: number;
}

/**
 * How long a finished delivery is remembered (so the same code seen again is not enqueued again);
 * the webhooks layer enqueues no code received more than half of this ago.
 */
export const WEBHOOK_RETENTION_MS = 48 * 60 * 60_000;

/** How an attempt ended, for `finishWebhook`. */
export type WebhookOutcome =
  | { state: "delivered" | "given_up" | "dropped"; attempts: number }
  | { state: "retry"; attempts: number; nextAt: number }
  /** not attempted (the receiver is busy): claimable again at once */
  | { state: "released" };

/**
 * How each delivery attempt ended, or that it will be tried again, as the dispatcher reports it
 * (the metric's `result`, the console's delivery state).
 */
export type DeliveryResult = "delivered" | "retried" | "given_up" | "dropped";

export interface WebhookClaim {
  instance: string;
  now: number;
  /** the claim lapses after this long unless finished (a replica that died mid-attempt) */
  leaseMs: number;
  limit: number;
  /** owners not to claim for now (their receiver is busy here) */
  skipOwners?: readonly string[];
}

export interface IdStore {
  /**
   * Map an upstream activation to a numeric id. Idempotent: the same upstreamId always gets the
   * same numeric id. `created` tells whether this call made the mapping. If the upstream id is
   * already mapped to a different owner, the existing record is returned unchanged (callers compare owners).
   */
  upsert(
    upstreamId: string,
    owner: string,
    extra?: { countryId?: number | undefined; intentId?: string | undefined; product?: Product | undefined },
  ): Promise<UpsertResult>;
  /**
   * Points an id of `owner` at another upstream activation (a reordered mailbox the upstream gave a
   * new id): the client keeps its id. Answers false when the id is not `owner`'s, or the new upstream
   * id is mapped already.
   */
  repoint(numericId: number, owner: string, upstreamId: string): Promise<boolean>;
  /** The record for an id, only if it belongs to `owner`. */
  resolve(numericId: number, owner: string): Promise<ActivationRecord | undefined>;
  /** The record for an upstream id, only if it belongs to `owner`. */
  findByUpstream(upstreamId: string, owner: string): Promise<ActivationRecord | undefined>;
  /**
   * The record for an upstream id, whoever owns it: for the gateway's own observers (webhooks, the
   * console), which then act for that record's owner only. Never answer a client with it.
   */
  recordOfUpstream(upstreamId: string): Promise<ActivationRecord | undefined>;

  /** Atomically claim `orderId` for `owner` (first caller wins, durable). */
  claimOrder(owner: string, orderId: string): Promise<OrderClaim>;
  /** Record the id a claimed order produced. */
  completeOrder(owner: string, orderId: string, numericId: number): Promise<void>;
  /** Release a claim after a definitive failure, so the order can be retried. */
  releaseOrder(owner: string, orderId: string): Promise<void>;

  /** Record a purchase intent before `POST /activations`; its id is the one given, or a new one. */
  addIntent(
    intent: Omit<PurchaseIntent, "intentId" | "claimedUpstreamId"> & { intentId?: string },
  ): Promise<string>;
  /** Note the activation a settler claimed for an open intent (it is cancelled next). */
  markIntentClaimed(intentId: string, upstreamId: string): Promise<void>;
  /** Close an intent (the purchase was answered, mapped or definitively failed). */
  closeIntent(intentId: string): Promise<void>;
  /** Intents still open, oldest first, optionally only one owner's and older than a local time. */
  openIntents(filter?: { owner?: string; createdBefore?: number }): Promise<PurchaseIntent[]>;
  /** Forget intents closed before this local time; returns how many (a store may expire them itself). */
  pruneIntents(closedBefore: number): Promise<number>;

  /** This gateway process is alive for `ttlMs` more (called well within that period). */
  heartbeat(instance: string, ttlMs: number): Promise<void>;
  /**
   * The processes alive now, of those that share this store. SQLite serves one process, so it knows
   * only its own heartbeats: every other instance is a dead predecessor.
   */
  liveInstances(): Promise<Set<string>>;

  /**
   * Adds a delivery to the webhook outbox, pending and due at once. Idempotent by `deliveryId`, for
   * as long as finished deliveries are kept: answers false when it was there already.
   */
  enqueueWebhook(delivery: Omit<WebhookDelivery, "attempts">): Promise<boolean>;
  /**
   * Claims up to `limit` due deliveries for `instance`: only the oldest pending delivery of each
   * activation, none held by another instance's unexpired claim (SQLite, which serves one process,
   * also frees the claims of instances without a live heartbeat at once).
   */
  claimWebhooks(claim: WebhookClaim): Promise<WebhookDelivery[]>;
  /**
   * Ends an attempt. `delivered` applies to a pending delivery whoever holds it; the other outcomes
   * only while `instance` holds its claim. Answers whether it applied.
   */
  finishWebhook(deliveryId: string, instance: string, outcome: WebhookOutcome, now: number): Promise<boolean>;
  /** Pending deliveries, and when the oldest was enqueued (for metrics). */
  webhookBacklog(): Promise<{ pending: number; oldestCreatedAt?: number | undefined }>;
  /** Forgets deliveries finished before this time; returns how many (a store may expire them itself). */
  pruneWebhooks(finishedBefore: number): Promise<number>;

  /** Throws when the store cannot serve (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
