import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { ACTIONS } from "./legacy/router.js";
import { T } from "./legacy/tokens.js";
import type { IdStore } from "./store/id-store.js";
import type { BreakerState } from "./upstream/breaker.js";
import type { UpstreamCallEvent } from "./upstream/client.js";
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

const KNOWN_TOKENS = new Set<string>([
  ...Object.values(T),
  "ACCESS_BALANCE",
  "ACCESS_NUMBER",
  "STATUS_OK",
  "STATUS_WAIT_RETRY",
  "STATUS_WAIT_RESEND",
  "FULL_SMS",
  "WRONG_MAX_PRICE",
  "BANNED",
  "JSON",
]);

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

const ID_STORE_OPS = [
  "upsert",
  "resolve",
  "findByUpstream",
  "claimOrder",
  "completeOrder",
  "releaseOrder",
  "addIntent",
  "closeIntent",
  "openIntents",
  "ping",
] as const satisfies readonly (keyof IdStore)[];
const ID_STORE_OP_SET = new Set<string>(ID_STORE_OPS);

/**
 * Names chosen by our own code (cache names, results, upstream names): short lower-case words.
 * No digits and at most 20 characters, so neither a hex key nor a CUID can pass.
 */
const CODE_WORD = /^[a-z][a-z_-]{0,19}$/;

const known = (set: ReadonlySet<string>, value: string) => (set.has(value) ? value : OTHER);
const word = (value: string) => (CODE_WORD.test(value) ? value : OTHER);

export function actionLabel(action: string): string {
  return ACTIONS.has(action) || PSEUDO_ACTIONS.includes(action) ? action : OTHER;
}
export const tokenLabel = (token: string) => known(KNOWN_TOKENS, token);
export const routeLabel = (route: string) => known(UPSTREAM_ROUTES, route);
export const outcomeLabel = (outcome: string) => known(OUTCOMES, outcome);

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, "half-open": 1, open: 2 };

export interface Metrics {
  readonly registry: Registry;
  /** for the `content-type` header of `/metrics` */
  readonly contentType: string;
  /** the text exposition */
  render(): Promise<string>;
  /** One legacy answer; the signature of `createGatewayApp`'s `onAnswer`. */
  legacyAnswer(action: string, token: string, seconds: number): void;
  /** One upstream call; usable as `UpstreamClient`'s `onCall`. */
  upstreamCall(event: UpstreamCallEvent): void;
  cacheHit(cache: string): void;
  cacheMiss(cache: string): void;
  shieldCoalesced(): void;
  /** The shield answered with the last known state because the upstream refused. */
  shieldStaleServed(): void;
  /** `ShieldEvents` for a `StatusShield`: hits and misses under `cache`, coalesced and stale reads. */
  shieldEvents(cache?: string): ShieldEvents;
  /** usable as `CircuitBreaker`'s `onChange` via `(s) => metrics.breakerState("upstream", s)` */
  breakerState(upstream: string, state: BreakerState): void;
  idStoreOp(op: string, seconds: number): void;
  /** Wraps a store so that every call's latency is observed by operation. */
  instrumentIdStore(store: IdStore): IdStore;
  reconciliation(result: string): void;
  orphanCancel(result: string): void;
}

export function createMetrics(opts: { prefix?: string; defaultMetrics?: boolean } = {}): Metrics {
  const prefix = opts.prefix ?? "smsgw_";
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const legacyRequests = new Counter({
    name: `${prefix}legacy_requests_total`,
    help: "Legacy handler_api requests by action and answer token",
    labelNames: ["action", "token"] as const,
    registers,
  });
  const legacyLatency = new Histogram({
    name: `${prefix}legacy_request_duration_seconds`,
    help: "Legacy request latency by action",
    labelNames: ["action"] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const upstreamCalls = new Counter({
    name: `${prefix}upstream_calls_total`,
    help: "Upstream (native API) calls by route pattern and outcome",
    labelNames: ["route", "outcome"] as const,
    registers,
  });
  const upstreamLatency = new Histogram({
    name: `${prefix}upstream_call_duration_seconds`,
    help: "Upstream call latency by route pattern",
    labelNames: ["route"] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const cacheHits = new Counter({
    name: `${prefix}cache_hits_total`,
    help: "Cache hits by cache",
    labelNames: ["cache"] as const,
    registers,
  });
  const cacheMisses = new Counter({
    name: `${prefix}cache_misses_total`,
    help: "Cache misses by cache",
    labelNames: ["cache"] as const,
    registers,
  });
  const coalesced = new Counter({
    name: `${prefix}shield_coalesced_total`,
    help: "Status reads that joined an upstream call already in flight",
    registers,
  });
  const staleServed = new Counter({
    name: `${prefix}shield_stale_served_total`,
    help: "Status reads answered with the last known state during an upstream outage",
    registers,
  });
  const breaker = new Gauge({
    name: `${prefix}breaker_state`,
    help: "Circuit breaker state by upstream: 0 closed, 1 half-open, 2 open",
    labelNames: ["upstream"] as const,
    registers,
  });
  const idStoreLatency = new Histogram({
    name: `${prefix}id_store_op_duration_seconds`,
    help: "Id store operation latency by operation",
    labelNames: ["op"] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const reconciliations = new Counter({
    name: `${prefix}reconciliations_total`,
    help: "Purchase reconciliations by result",
    labelNames: ["result"] as const,
    registers,
  });
  const orphanCancels = new Counter({
    name: `${prefix}orphan_cancels_total`,
    help: "Cancels of upstream activations no client holds, by result",
    labelNames: ["result"] as const,
    registers,
  });

  const idStoreOp = (op: string, seconds: number) =>
    idStoreLatency.observe({ op: known(ID_STORE_OP_SET, op) }, seconds);

  const metrics: Metrics = {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    legacyAnswer(action, token, seconds) {
      const a = actionLabel(action);
      legacyRequests.inc({ action: a, token: tokenLabel(token) });
      legacyLatency.observe({ action: a }, seconds);
    },
    upstreamCall({ route, outcome, ms }) {
      const r = routeLabel(route);
      upstreamCalls.inc({ route: r, outcome: outcomeLabel(outcome) });
      upstreamLatency.observe({ route: r }, ms / 1000);
    },
    cacheHit: (cache) => cacheHits.inc({ cache: word(cache) }),
    cacheMiss: (cache) => cacheMisses.inc({ cache: word(cache) }),
    shieldCoalesced: () => coalesced.inc(),
    shieldStaleServed: () => staleServed.inc(),
    shieldEvents: (cache = "status") => ({
      onHit: () => metrics.cacheHit(cache),
      onMiss: () => metrics.cacheMiss(cache),
      onCoalesced: () => coalesced.inc(),
      onStaleServed: () => staleServed.inc(),
    }),
    breakerState: (upstream, state) => breaker.set({ upstream: word(upstream) }, BREAKER_VALUE[state]),
    idStoreOp,
    instrumentIdStore: (store) => timedIdStore(store, idStoreOp),
    reconciliation: (result) => reconciliations.inc({ result: word(result) }),
    orphanCancel: (result) => orphanCancels.inc({ result: word(result) }),
  };
  return metrics;
}

/** A view of `store` whose methods report their latency (new methods are timed as "other"). */
function timedIdStore(store: IdStore, observe: (op: string, seconds: number) => void): IdStore {
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
