import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { JSON_ANSWER, T, VALUED } from "./common/tokens.js";
import type { DeliveryResult, IdStore } from "./store/id-store.js";
import type { BreakerState } from "./upstream/breaker.js";
import type { UpstreamCallEvent } from "./upstream/call-guard.js";
import type { UpstreamErrorKind } from "./upstream/errors.js";
import type { ShieldEvents } from "./upstream/status-shield.js";

/**
 * Prometheus metrics on a registry of their own (plus the default process metrics).
 * Every label value passes through a closed list or a narrow pattern, so no api key, activation id
 * or other client-chosen string can become a label (and cardinality stays bounded).
 */

/** What a label value becomes when it is not one we know. */
export const OTHER = "other";

/** 0.1 ms … 10 s. */
const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Action names the legacy route reports besides the real ones: no `action`, an unknown one. */
const PSEUDO_ACTIONS = ["none", "unknown"];

const KNOWN_TOKENS = new Set<string>([...Object.values(T), ...Object.values(VALUED), JSON_ANSWER]);

const UPSTREAM_ROUTES = new Set([
  "GET /wallet/balance",
  "GET /wallet/transactions",
  "GET /activations",
  "POST /activations",
  "GET /activations/:id",
  "DELETE /activations/:id",
  "POST /activations/:id/complete",
  "POST /activations/:id/request-resend",
  "GET /services",
  "GET /countries",
  "GET /services/:code/countries",
  "GET /email-activations/domains",
  "POST /email-activations",
  "GET /email-activations",
  "GET /email-activations/:id",
  "POST /email-activations/:id/reorder",
  "DELETE /email-activations/:id",
]);

const OUTCOMES = new Set<string>([
  "ok",
  "unauthorized",
  "insufficient_balance",
  "rejected",
  "not_found",
  "conflict",
  "out_of_stock",
  "rate_limited",
  "unavailable",
  "timeout",
  "invalid_response",
] satisfies ("ok" | UpstreamErrorKind)[]);

const ID_STORE_OPS = new Set<string>([
  "upsert",
  "resolve",
  "findByUpstream",
  "recordOfUpstream",
  "claimOrder",
  "completeOrder",
  "releaseOrder",
  "addIntent",
  "closeIntent",
  "openIntents",
  "enqueueWebhook",
  "claimWebhooks",
  "finishWebhook",
  "webhookBacklog",
  "pruneWebhooks",
  "ping",
] satisfies (keyof IdStore)[]);

const WEBHOOK_RESULTS = new Set<string>([
  "delivered",
  "retried",
  "given_up",
  "dropped",
] satisfies DeliveryResult[]);

/**
 * Names chosen by our own code (cache names, results, upstream names): short lower-case words.
 * No digits and at most 20 characters, so neither a hex key nor a CUID can pass.
 */
const CODE_WORD = /^[a-z][a-z_-]{0,19}$/;

const known = (set: ReadonlySet<string>, value: string) => (set.has(value) ? value : OTHER);
const word = (value: string) => (CODE_WORD.test(value) ? value : OTHER);

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, "half-open": 1, open: 2 };

/** Pages per refresh. */
const PAGE_BUCKETS = [1, 2, 3, 5, 10, 20, 50, 100];

type Make<M> = (prefix: string, registers: Registry[]) => M;
const counter =
  <L extends string>(name: string, help: string, labelNames: readonly L[] = []): Make<Counter<L>> =>
  (prefix, registers) =>
    new Counter({ name: `${prefix}${name}`, help, labelNames, registers });
const histogram =
  <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    buckets = LATENCY_BUCKETS,
  ): Make<Histogram<L>> =>
  (prefix, registers) =>
    new Histogram({ name: `${prefix}${name}`, help, labelNames, buckets, registers });
const gauge =
  <L extends string>(name: string, help: string, labelNames: readonly L[] = []): Make<Gauge<L>> =>
  (prefix, registers) =>
    new Gauge({ name: `${prefix}${name}`, help, labelNames, registers });

/** Every metric the gateway exposes (README "Metrics" lists them). */
const DEFINITIONS = {
  legacyRequests: counter("legacy_requests_total", "Legacy handler_api requests by action and answer token", [
    "action",
    "token",
  ]),
  legacyLatency: histogram("legacy_request_duration_seconds", "Legacy request latency by action", ["action"]),
  upstreamCalls: counter("upstream_calls_total", "Upstream (native API) calls by route pattern and outcome", [
    "route",
    "outcome",
  ]),
  upstreamLatency: histogram("upstream_call_duration_seconds", "Upstream call latency by route pattern", [
    "route",
  ]),
  cacheHits: counter("cache_hits_total", "Cache hits by cache", ["cache"]),
  cacheMisses: counter("cache_misses_total", "Cache misses by cache", ["cache"]),
  coalesced: counter("shield_coalesced_total", "Status reads that joined an upstream call already in flight"),
  staleServed: counter(
    "shield_stale_served_total",
    "Status reads answered with the last known state during an upstream outage",
  ),
  breaker: gauge("breaker_state", "Circuit breaker state by upstream: 0 closed, 1 half-open, 2 open", [
    "upstream",
  ]),
  idStoreLatency: histogram("id_store_op_duration_seconds", "Id store operation latency by operation", [
    "op",
  ]),
  reconciliations: counter("reconciliations_total", "Purchase reconciliations by result", ["result"]),
  spendRefusals: counter(
    "spend_refusals_total",
    "Purchases a spend limit refused before anything was bought, by key (its owner hash's first 12 characters) and limit",
    ["key", "reason"],
  ),
  unstoredPurchases: counter(
    "purchases_unstored_total",
    "Purchases bought upstream whose id the store refused at first: stored late, cancelled, or cancel failed",
    ["outcome"],
  ),
  orphanCancels: counter(
    "orphan_cancels_total",
    "Cancels of upstream activations no client holds, by result",
    ["result"],
  ),
  trackerKeys: gauge("tracker_keys", "Upstream keys the activation tracker refreshes"),
  trackerLive: gauge("tracker_live_activations", "Live activations tracked, as of each key's last refresh"),
  trackerUnseen: gauge(
    "tracker_unseen_activations",
    "Tracked live activations the refreshes reached neither by a page nor by a read for TRACK_STALE_S",
  ),
  trackerRefreshes: counter("tracker_refreshes_total", "Tracker refreshes by outcome", ["outcome"]),
  trackerRefreshLatency: histogram("tracker_refresh_duration_seconds", "Duration of one key's refresh"),
  trackerRefreshPages: histogram(
    "tracker_refresh_pages",
    "Live-list pages read per refresh",
    [],
    PAGE_BUCKETS,
  ),
  trackerStateAge: histogram(
    "tracker_state_age_seconds",
    "Age of the tracked state a poll or listing was answered from (lag behind the upstream)",
  ),
  webhookDeliveries: counter(
    "webhook_deliveries_total",
    "Webhook attempts by result: delivered, retried (failed, tried again later), given_up, dropped",
    ["result"],
  ),
  heapAfterGc: gauge(
    "heap_after_gc_bytes",
    "V8 heap used right after a full GC at this scrape (only when node runs with --expose-gc, as the soak does)",
  ),
  spendToday: gauge("spend_today_usd", "What each limited key spent today (UTC), reservations included", [
    "key",
  ]),
  spendReserved: gauge(
    "spend_reserved_usd",
    "Money reserved for each limited key's purchases whose charge is not known yet",
    ["key"],
  ),
  webhookPending: gauge("webhook_pending", "Webhook deliveries in the outbox not yet delivered or given up"),
  webhookOldest: gauge(
    "webhook_oldest_pending_seconds",
    "Age of the oldest pending webhook delivery (0 when none is pending)",
  ),
} as const;

type Instruments = { [K in keyof typeof DEFINITIONS]: ReturnType<(typeof DEFINITIONS)[K]> };

export interface MetricsOptions {
  prefix?: string;
  defaultMetrics?: boolean;
  /** the legacy action names that may appear as labels (the router's table) */
  actions?: Iterable<string>;
}

export function createMetrics(opts: MetricsOptions = {}) {
  const prefix = opts.prefix ?? "smsgw_";
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const m = Object.fromEntries(
    Object.entries(DEFINITIONS).map(([key, make]) => [key, make(prefix, [registry])]),
  ) as Instruments;
  const actions = new Set([...(opts.actions ?? []), ...PSEUDO_ACTIONS]);

  const labels = {
    action: (action: string) => known(actions, action),
    token: (token: string) => known(KNOWN_TOKENS, token),
    route: (route: string) => known(UPSTREAM_ROUTES, route),
    outcome: (outcome: string) => known(OUTCOMES, outcome),
  };
  let sizes: (() => { keys: number; live: number; unseen: number }) | undefined;
  let backlog: (() => Promise<{ pending: number; oldestCreatedAt?: number | undefined }>) | undefined;
  let spend: (() => Promise<{ owner: string; todayCents: number; reservedCents: number }[]>) | undefined;
  const idStoreOp = (op: string, seconds: number) =>
    m.idStoreLatency.observe({ op: known(ID_STORE_OPS, op) }, seconds);

  const metrics = {
    registry,
    /** for the `content-type` header of `/metrics` */
    contentType: registry.contentType,
    labels,
    /** the text exposition */
    render: async () => {
      if (sizes) {
        const { keys, live, unseen } = sizes();
        m.trackerUnseen.set(unseen);
        m.trackerKeys.set(keys);
        m.trackerLive.set(live);
      }
      if (backlog) {
        const read = await backlog().catch(() => undefined); // the store's failure shows in /readyz
        if (read) {
          m.webhookPending.set(read.pending);
          m.webhookOldest.set(
            read.oldestCreatedAt === undefined ? 0 : (Date.now() - read.oldestCreatedAt) / 1000,
          );
        }
      }
      // a leak shows as heap that a full collection cannot free; gc() exists only with --expose-gc
      const gc = (globalThis as { gc?: () => void }).gc;
      if (gc) {
        gc();
        m.heapAfterGc.set(process.memoryUsage().heapUsed);
      }
      if (spend) {
        const rows = await spend().catch(() => []);
        m.spendToday.reset();
        m.spendReserved.reset();
        for (const row of rows) {
          const key = row.owner.slice(0, 12);
          m.spendToday.set({ key }, row.todayCents / 100);
          m.spendReserved.set({ key }, row.reservedCents / 100);
        }
      }
      return registry.metrics();
    },
    /** One legacy answer; the signature of `createGatewayApp`'s `onAnswer`. */
    legacyAnswer(action: string, token: string, seconds: number) {
      const a = labels.action(action);
      m.legacyRequests.inc({ action: a, token: labels.token(token) });
      m.legacyLatency.observe({ action: a }, seconds);
    },
    /** One upstream call; usable as `UpstreamClient`'s `onCall`. */
    upstreamCall({ route, outcome, ms }: UpstreamCallEvent) {
      const r = labels.route(route);
      m.upstreamCalls.inc({ route: r, outcome: labels.outcome(outcome) });
      m.upstreamLatency.observe({ route: r }, ms / 1000);
    },
    cacheHit: (cache: string) => m.cacheHits.inc({ cache: word(cache) }),
    cacheMiss: (cache: string) => m.cacheMisses.inc({ cache: word(cache) }),
    shieldCoalesced: () => m.coalesced.inc(),
    /** The shield answered with the last known state because the upstream refused. */
    shieldStaleServed: () => m.staleServed.inc(),
    /** `ShieldEvents` for a `StatusShield`: hits and misses under `cache`, coalesced and stale reads. */
    shieldEvents: (cache = "status"): ShieldEvents => ({
      onHit: () => metrics.cacheHit(cache),
      onMiss: () => metrics.cacheMiss(cache),
      onCoalesced: () => m.coalesced.inc(),
      onStaleServed: () => m.staleServed.inc(),
    }),
    /** usable as `CircuitBreaker`'s `onChange` via `(s) => metrics.breakerState("upstream", s)` */
    breakerState: (upstream: string, state: BreakerState) =>
      m.breaker.set({ upstream: word(upstream) }, BREAKER_VALUE[state]),
    idStoreOp,
    /** Wraps a store so that every call's latency is observed by operation. */
    instrumentIdStore: <S extends IdStore>(store: S): S => timedIdStore(store, idStoreOp),
    reconciliation: (result: string) => m.reconciliations.inc({ result: word(result) }),
    unstoredPurchase: (outcome: string) => m.unstoredPurchases.inc({ outcome: word(outcome) }),
    spendRefusal: (owner: string, reason: string) =>
      m.spendRefusals.inc({ key: owner.slice(0, 12), reason: word(reason) }),
    /** One tracker refresh (usable as the tracker's `onRefresh`). */
    trackerRefresh(report: { ms: number; pages: number; outcome: string }) {
      m.trackerRefreshes.inc({ outcome: word(report.outcome) });
      if (report.outcome !== "ok") return;
      m.trackerRefreshLatency.observe(report.ms / 1000);
      m.trackerRefreshPages.observe(report.pages);
    },
    trackerStateAge: (ms: number) => m.trackerStateAge.observe(ms / 1000),
    /** The tracker's sizes, read when /metrics is rendered. */
    trackerSizes(read: () => { keys: number; live: number; unseen: number }) {
      sizes = read;
    },
    orphanCancel: (result: string) => m.orphanCancels.inc({ result: word(result) }),
    /** Every native call so far, over all routes (the console reads it once a second for its charts). */
    async upstreamTotals() {
      let ok = 0;
      let failed = 0;
      for (const v of (await m.upstreamCalls.get()).values) {
        if (v.labels.outcome === "ok") ok += v.value;
        else failed += v.value;
      }
      const byLe = new Map<number, number>();
      for (const v of (await m.upstreamLatency.get()).values) {
        if (!v.metricName?.endsWith("_bucket")) continue;
        const bound = (v.labels as { le?: string | number }).le;
        const le = bound === "+Inf" ? Number.POSITIVE_INFINITY : Number(bound);
        byLe.set(le, (byLe.get(le) ?? 0) + v.value);
      }
      const buckets = [...byLe].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le, count }));
      return { ok, failed, buckets };
    },
    /** One webhook attempt's result (usable as the dispatcher's `onResult`). */
    webhookResult: (result: string) => m.webhookDeliveries.inc({ result: known(WEBHOOK_RESULTS, result) }),
    /** Limited keys' spend, read from the ledger when /metrics is rendered. */
    spendUsage(read: () => Promise<{ owner: string; todayCents: number; reservedCents: number }[]>) {
      spend = read;
    },
    /** The outbox's backlog, read when /metrics is rendered. */
    webhookBacklog(read: () => Promise<{ pending: number; oldestCreatedAt?: number | undefined }>) {
      backlog = read;
    },
  };
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;

/** A view of `store` whose methods report their latency (new methods are timed as "other"). */
function timedIdStore<S extends IdStore>(store: S, observe: (op: string, seconds: number) => void): S {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function" || typeof prop !== "string" || prop === "close") return value;
      return async (...args: unknown[]) => {
        const started = performance.now();
        try {
          return await value.apply(target, args);
        } finally {
          observe(prop, (performance.now() - started) / 1000);
        }
      };
    },
  });
}
