import { join } from "node:path";
import type { Hono } from "hono";
import type { Logger } from "pino";
import { Catalog } from "../catalog/catalog.js";
import { FreshOffers } from "../catalog/fresh-offers.js";
import { MailboxDomains } from "../catalog/mailbox-domains.js";
import { openCatalogSnapshotStore } from "../catalog/snapshot-store.js";
import { DirectoryError, ensureDirectory } from "../common/atomic-file.js";
import { waitAtMost } from "../common/deadline.js";
import { OwnerHashes } from "../common/owner.js";
import type { GatewayConfig } from "../config.js";
import type { GatewayConsole } from "../console/console.js";
import { GatewayEvents } from "../events.js";
import { loadCountryTable, loadLegacyKeyLists } from "../fixtures.js";
import { loadKeyResolver, readKeyFile, watchKeyFile } from "../keys/key-file.js";
import type { KeyResolver, LabelledKeyResolver } from "../keys/resolver.js";
import type { GatewayDeps } from "../legacy/context.js";
import { JsonMemo } from "../legacy/json-memo.js";
import { KnownKeys } from "../legacy/known-keys.js";
import { observed } from "../legacy/observed.js";
import { ACTIONS, V2_ACTIONS } from "../legacy/router.js";
import { createMetrics, type Metrics } from "../metrics.js";
import { KeyRing } from "../money/key-ring.js";
import { OrphanSettler } from "../money/orphan-settler.js";
import { PurchaseCoordinator } from "../money/purchase-coordinator.js";
import { SpendSweep } from "../money/spend-sweep.js";
import type { SandboxSettings } from "../sandbox/config.js";
import { type RunningSandbox, startSandbox } from "../sandbox/server.js";
import { ConfigError } from "../settings.js";
import type { IdStore } from "../store/id-store.js";
import { withRecordCache } from "../store/record-cache.js";
import type { RedisStoreEvent } from "../store/redis.js";
import { openSqliteIdStore } from "../store/sqlite.js";
import { openRedisTrackerStore } from "../tracker/redis-store.js";
import { MemoryTrackerStore } from "../tracker/store.js";
import { ActivationTracker } from "../tracker/tracker.js";
import { CircuitBreaker } from "../upstream/breaker.js";
import { UpstreamClient } from "../upstream/client.js";
import type { EmailActivation } from "../upstream/email-schemas.js";
import { KeyGate } from "../upstream/key-gate.js";
import { SandboxCatalogWatch } from "../upstream/sandbox-watch.js";
import type { Activation } from "../upstream/schemas.js";
import { MAILBOX_TERMINAL, StatusShield } from "../upstream/status-shield.js";
import { DeliveryStates } from "../webhooks/delivery-states.js";
import { fixedWebhook, keyFileWebhooks, noWebhooks, type WebhookDirectory } from "../webhooks/directory.js";
import { startWebhooks } from "../webhooks/wiring.js";
import { createGatewayApp, type Readiness } from "./app.js";
import { setUpConsole } from "./console-setup.js";
import { listen } from "./server.js";
import { setUpSpendLimits } from "./spend-setup.js";

export interface RunningGateway {
  url: string;
  legacyUrl: string;
  upstreamUrl: string;
  /** set when the embedded sandbox is the upstream */
  sandbox?: { url: string; apiBase: string; demoKeys: string[] };
  /** set with KEYS_FILE: bots present gateway keys (the upstream keys, demo keys included, are refused) */
  gatewayKeys?: { file: string; active: number };
  /** set when the operator console is on: who may open it */
  console?: { url: string; access: "token" | "loopback" };
  deps: GatewayDeps;
  close(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  log: Logger;
  /** the embedded sandbox's settings: required when UPSTREAM_URL is unset */
  sandbox?: SandboxSettings;
  resolveKey?: KeyResolver;
}

/** SQLite in DATA_DIR, or Redis with REDIS_URL (replicas). */
async function openIdStore(config: GatewayConfig, log: Logger): Promise<IdStore> {
  if (config.REDIS_URL) {
    const { openRedisIdStore } = await import("../store/redis.js");
    const { HighWaterMark } = await import("../store/high-water.js");
    return openRedisIdStore({
      url: config.REDIS_URL,
      highWater: new HighWaterMark(join(config.DATA_DIR, "redis-high-water")),
      onEvent: (event) => logRedisStoreEvent(log, event),
    });
  }
  try {
    ensureDirectory(config.DATA_DIR);
  } catch (err) {
    if (err instanceof DirectoryError) throw new ConfigError(`Invalid DATA_DIR: ${err.message}`);
    throw err;
  }
  return openSqliteIdStore({ dataDir: config.DATA_DIR });
}

function logRedisStoreEvent(log: Logger, event: RedisStoreEvent): void {
  if (event.kind === "epoch-lost") log.error({ event: event.kind }, event.message);
  else if (event.kind === "reseeded")
    log.warn(
      { event: event.kind, above: event.above },
      "id store counter re-seeded above the local high-water mark",
    );
  else
    log.warn(
      event,
      "Redis keeps no data across a restart (no AOF, no RDB snapshots): a restart loses every id",
    );
}

/** The upstream: UPSTREAM_URL, or the embedded sandbox started on loopback. */
async function startUpstreamTarget(
  config: GatewayConfig,
  sandbox: SandboxSettings | undefined,
): Promise<{ url: string; sandbox?: RunningSandbox }> {
  if (config.UPSTREAM_URL) return { url: config.UPSTREAM_URL };
  if (!sandbox) throw new Error("no UPSTREAM_URL and no sandbox settings");
  if (sandbox.port !== 0 && sandbox.port === config.PORT) {
    throw new ConfigError(
      `Invalid SANDBOX_PORT: ${sandbox.port} is also PORT; the embedded sandbox needs a port of its own`,
    );
  }
  const running = await startSandbox(sandbox.config, { port: sandbox.port, host: "127.0.0.1" }).catch(
    (err: NodeJS.ErrnoException) => {
      throw err.code === "EADDRINUSE"
        ? new ConfigError(`SANDBOX_PORT ${sandbox.port} is already in use`)
        : err;
    },
  );
  return { url: running.apiBase, sandbox: running };
}

function createUpstreamClient(config: GatewayConfig, baseUrl: string, metrics: Metrics, owners: OwnerHashes) {
  return new UpstreamClient({
    baseUrl,
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    purchaseTimeoutMs: config.PURCHASE_TIMEOUT_MS,
    maxBodyBytes: config.UPSTREAM_MAX_BODY_BYTES,
    keyIdOf: (key) => owners.of(key),
    onCall: (event) => metrics.upstreamCall(event),
    breaker: new CircuitBreaker({
      threshold: config.BREAKER_THRESHOLD,
      cooldownMs: config.BREAKER_COOLDOWN_MS,
      onChange: (state) => metrics.breakerState("upstream", state),
    }),
    keyGate: new KeyGate({
      maxConcurrent: config.KEY_MAX_CONCURRENCY,
      maxQueued: 16 * config.KEY_MAX_CONCURRENCY,
    }),
  });
}

function createCatalog(
  config: GatewayConfig,
  upstream: UpstreamClient,
  log: Logger,
  metrics: Metrics,
): Catalog {
  return new Catalog({
    upstream,
    settings: {
      pricesTtlMs: config.CATALOG_TTL_S * 1000,
      listsTtlMs: config.SERVICES_TTL_S * 1000,
      concurrency: config.CATALOG_CONCURRENCY,
      ratePerS: config.CATALOG_RATE_PER_S,
      coldDeadlineMs: config.CATALOG_COLD_DEADLINE_MS,
    },
    log,
    snapshots: openCatalogSnapshotStore(config),
    onCacheRead: (cache, hit) => (hit ? metrics.cacheHit(cache) : metrics.cacheMiss(cache)),
  });
}

/**
 * When the upstream is a sandbox (it answers `GET /sandbox/catalog/version`), its offer changes are
 * reloaded at once. Waits (briefly) for the first answer, so a change made right after start-up is
 * already watched.
 */
async function watchSandboxCatalog(upstreamUrl: string, catalog: Catalog, log: Logger) {
  const watch = new SandboxCatalogWatch({ upstreamUrl, reload: (codes) => catalog.reloadOffers(codes), log });
  watch.start();
  await waitAtMost(watch.ready, 2000);
  return watch;
}

function gatewayKeyResolver(config: GatewayConfig, log: Logger): KeyResolver | undefined {
  if (!config.KEYS_FILE) return undefined;
  return loadKeyResolver(config.KEYS_FILE, {
    onReload: (keys) => log.info({ keys }, "gateway keys reloaded"),
    onReloadError: (err) => log.warn({ err }, "gateway keys file reload failed; keeping the previous keys"),
  });
}

/** Who has a webhook: per gateway key (KEYS_FILE), else WEBHOOK_URL for every key, else nobody. */
function webhookDirectory(config: GatewayConfig): WebhookDirectory {
  // the key resolver reports the file's reload errors; this watcher keeps its last good copy too
  if (config.KEYS_FILE) return keyFileWebhooks(watchKeyFile(config.KEYS_FILE));
  if (config.WEBHOOK_URL && config.WEBHOOK_SECRET)
    return fixedWebhook({ url: config.WEBHOOK_URL, secret: config.WEBHOOK_SECRET });
  return noWebhooks;
}

/** Keys in force at start-up, for the banner (the file was read once already: it is valid). */
function activeKeys(path: string): number {
  return readKeyFile(path).keys.filter((k) => k.revokedAt === null).length;
}

/**
 * The activation tracker (off with TRACK_INTERVAL_MS=0): its state in memory, or in Redis with
 * REDIS_URL so that one replica refreshes a key and all answer from it.
 */
async function createTracker(
  config: GatewayConfig,
  wiring: {
    upstream: UpstreamClient;
    owners: OwnerHashes;
    metrics: Metrics;
    log: Logger;
    instance: string;
    onChange: (activation: Activation) => void;
  },
): Promise<ActivationTracker | undefined> {
  if (config.TRACK_INTERVAL_MS === 0) return undefined;
  const idleMs = config.TRACK_IDLE_S * 1000;
  const store = config.REDIS_URL
    ? await openRedisTrackerStore({ url: config.REDIS_URL, idleMs })
    : new MemoryTrackerStore();
  const { metrics } = wiring;
  const tracker = new ActivationTracker({
    store,
    upstream: wiring.upstream,
    keyIdOf: (key) => wiring.owners.of(key),
    instance: wiring.instance,
    settings: {
      intervalMs: config.TRACK_INTERVAL_MS,
      idleMs,
      staleMs: config.TRACK_STALE_S * 1000,
      maxPages: config.TRACK_MAX_PAGES,
      readsPerS: config.TRACK_READS_PER_S,
    },
    log: wiring.log,
    onRefresh: (report) => metrics.trackerRefresh(report),
    onChange: (_keyId, _previous, current) => wiring.onChange(current),
    onAnswerAge: (ms) => metrics.trackerStateAge(ms),
  });
  metrics.trackerSizes(() => tracker.sizes());
  return tracker;
}

/** A state the tracker learnt by itself (a refresh): observers hear of it for the activation's owner. */
async function tellObservers(ids: IdStore, events: GatewayEvents, activation: Activation): Promise<void> {
  if (!events.listening("activation")) return;
  const record = await ids.recordOfUpstream(activation.id).catch(() => undefined);
  if (record) observed({ events }, record, activation);
}

/** "ok", or why the store did not answer. */
const answers = (ping: Promise<void>) =>
  ping.then(
    () => "ok",
    (err: unknown) => String(err),
  );

/**
 * 503 only for the gateway's own stores, the id store and the tracker's (polls are answered from
 * both); the upstream is reported (docs/architecture.md decision 6).
 */
function readinessCheck(
  stores: { ids: IdStore; tracker: ActivationTracker | undefined },
  upstream: UpstreamClient,
  instance: string,
): () => Promise<Readiness> {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return async () => {
    const health = upstream.breaker.health();
    // lastError is history once healthySince is set (state "up"): the upstream answers again.
    const upstreamState = {
      breaker: health.breaker,
      state: health.state,
      lastError: health.lastError ?? null,
      lastErrorAt: iso(health.lastErrorAt),
      healthySince: iso(health.healthySince),
    };
    const [idStore, trackerStore] = await Promise.all([
      answers(stores.ids.ping()),
      stores.tracker && answers(stores.tracker.ping()),
    ]);
    return {
      ready: idStore === "ok" && (trackerStore ?? "ok") === "ok",
      body: { instance, idStore, ...(trackerStore && { trackerStore }), upstream: upstreamState },
    };
  };
}

/** Everything of a gateway but its listening socket: what `app.request()` tests use. */
export interface AssembledGateway {
  app: Hono;
  deps: GatewayDeps;
  upstreamUrl: string;
  sandbox?: RunningSandbox | undefined;
  /** the operator console, when it is on (README "Console") */
  console?: GatewayConsole | undefined;
  /** stops the background work and closes the stores (not the server: it has none) */
  close(): Promise<void>;
}

/** A bot polling a mailbox costs at most one upstream read per this long (issue: "Polling"). */
const MAILBOX_READ_EVERY_MS = 1000;

/**
 * Start-up in one straight line: stores → (embedded sandbox) → upstream client → catalogue → app.
 * With no UPSTREAM_URL the sandbox is started on SANDBOX_PORT and used as the upstream.
 */
export async function assembleGateway(config: GatewayConfig, opts: StartOptions): Promise<AssembledGateway> {
  const { log } = opts;
  const metrics = createMetrics({ actions: [...ACTIONS.keys(), ...V2_ACTIONS.keys()] });
  const owners = new OwnerHashes();
  const resolveKey = opts.resolveKey ?? gatewayKeyResolver(config, log);
  const ids = withRecordCache(metrics.instrumentIdStore(await openIdStore(config, log)), {
    onRead: (hit) => (hit ? metrics.cacheHit("records") : metrics.cacheMiss("records")),
  });
  const target = await startUpstreamTarget(config, opts.sandbox);
  const upstream = createUpstreamClient(config, target.url, metrics, owners);
  const catalog = createCatalog(config, upstream, log, metrics);
  await catalog.load();
  const catalogWatch = await watchSandboxCatalog(target.url, catalog, log);
  const keyRing = new KeyRing();
  for (const account of target.sandbox ? (opts.sandbox?.config.accounts ?? []) : [])
    keyRing.remember(owners.of(account.apiKey), account.apiKey);
  const purchases = new PurchaseCoordinator();
  const events = new GatewayEvents();
  const spend = await setUpSpendLimits(config, {
    resolveKey,
    events,
    log,
    onRefused: (owner, reason) => metrics.spendRefusal(owner, reason),
  });
  const tracker = await createTracker(config, {
    upstream,
    owners,
    metrics,
    log,
    instance: purchases.instance,
    onChange: (activation) => void tellObservers(ids, events, activation),
  });
  const deps: GatewayDeps = {
    upstream,
    ids,
    keyRing,
    shield: new StatusShield(
      (key, id) => upstream.getActivation(key, id),
      config.STATUS_CACHE_MS,
      metrics.shieldEvents(),
    ),
    mailboxReads: new StatusShield<EmailActivation>(
      (key, id) => upstream.getEmailActivation(key, id),
      MAILBOX_READ_EVERY_MS,
      {},
      100_000,
      undefined,
      MAILBOX_TERMINAL,
    ),
    mailboxDomains: new MailboxDomains((key, site) => upstream.emailDomains(key, site)),
    tracker,
    countries: loadCountryTable(),
    services: catalog.services,
    catalog,
    legacyLists: loadLegacyKeyLists(),
    answers: new JsonMemo(),
    freshOffers: new FreshOffers((code) => upstream.serviceCountries(code)),
    knownKeys: new KnownKeys(),
    purchases,
    events,
    ledger: spend?.ledger,
    limitRefused: spend?.limitRefused,
    settings: {
      defaultCountry: config.DEFAULT_COUNTRY,
      purchaseTimeoutMs: config.PURCHASE_TIMEOUT_MS,
      reconcileWaitMs: config.RECONCILE_WAIT_MS,
      emailAddressWaitMs: config.EMAIL_ADDRESS_WAIT_MS,
    },
    onReconciliation: (result) => metrics.reconciliation(result),
    onUnstored: (outcome) => metrics.unstoredPurchase(outcome),
  };
  metrics.breakerState("upstream", upstream.breaker.state);
  const settler = new OrphanSettler({
    ids,
    upstream,
    keyRing,
    purchases: deps.purchases,
    ledger: spend?.ledger,
    log,
    purchaseTimeoutMs: config.PURCHASE_TIMEOUT_MS,
    giveUpAfterMs: 2 * 60 * 60_000,
    retentionMs: 24 * 60 * 60_000,
    sweepIntervalMs: config.ORPHAN_SWEEP_S * 1000,
    onResult: (result) => metrics.orphanCancel(result),
  });
  const spendSweep = spend && new SpendSweep({ ledger: spend.ledger, ids, upstream, keyRing, log });
  spendSweep?.start();
  if (spend) metrics.spendUsage(() => spend.usageOfLimited(keyRing.owners()));
  deps.purchases.onIntentLeftOpen(() => settler.nudge());
  keyRing.onNewOwner(() => settler.nudge(0));
  settler.start();
  tracker?.start();
  const webhookOwners = webhookDirectory(config);
  const webhookStates = new DeliveryStates();
  const webhooks = startWebhooks({
    ids,
    events,
    directory: webhookOwners,
    countries: deps.countries,
    tracker,
    upstreamKeyOf: (owner) => keyRing.keyOf(owner) ?? webhookOwners.upstreamKeyOf(owner),
    instance: purchases.instance,
    settings: {
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      retryS: config.WEBHOOK_RETRY_S,
      perReceiver: config.WEBHOOK_CONCURRENCY,
    },
    log,
    onResult: (result, delivery) => {
      metrics.webhookResult(result);
      webhookStates.record(result, delivery);
    },
  });
  metrics.webhookBacklog(() => ids.webhookBacklog());
  const gatewayConsole = await setUpConsole(config, {
    upstreamUrl: target.url,
    embeddedSandbox: target.sandbox !== undefined,
    events,
    deps,
    metrics,
    log,
    webhookState: (owner, numericId) => webhookStates.stateOf(owner, numericId),
    limitsOf: spend?.limitsOfOwner,
  });
  const app = createGatewayApp({
    deps,
    actions: ACTIONS,
    ownerOf: (key) => owners.of(key),
    log,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    ...(resolveKey && { resolveKey }),
    limitsOf: spend?.limitsOf,
    metrics: { contentType: metrics.contentType, render: () => metrics.render() },
    onAnswer: (action, token, seconds) => metrics.legacyAnswer(action, token, seconds),
    readiness: readinessCheck({ ids, tracker }, upstream, purchases.instance),
    events,
    labelOf: (resolveKey as Partial<LabelledKeyResolver> | undefined)?.labelOf,
    console: gatewayConsole?.routes,
  });
  const { sandbox } = target;
  return {
    app,
    deps,
    upstreamUrl: target.url,
    sandbox,
    console: gatewayConsole,
    async close() {
      await gatewayConsole?.close();
      await webhooks.close();
      await settler.stop();
      await spendSweep?.stop();
      await tracker?.close();
      await catalogWatch.close();
      await catalog.close();
      upstream.close();
      await sandbox?.close();
      await spend?.close();
      await ids.close();
    },
  };
}

/** `assembleGateway`, then listen on PORT/HOST. */
export async function startGateway(config: GatewayConfig, opts: StartOptions): Promise<RunningGateway> {
  const gateway = await assembleGateway(config, opts);
  const server = await listen(gateway.app, config.PORT, config.HOST).catch(
    async (err: NodeJS.ErrnoException) => {
      await gateway.close();
      throw err.code === "EADDRINUSE" ? new ConfigError(`PORT ${config.PORT} is already in use`) : err;
    },
  );
  const { sandbox } = gateway;
  return {
    url: server.url,
    legacyUrl: `${server.url}/stubs/handler_api.php`,
    upstreamUrl: gateway.upstreamUrl,
    ...(sandbox && {
      sandbox: {
        url: sandbox.url,
        apiBase: sandbox.apiBase,
        demoKeys: (opts.sandbox?.config.accounts ?? []).map((a) => a.apiKey),
      },
    }),
    ...(config.KEYS_FILE && {
      gatewayKeys: { file: config.KEYS_FILE, active: activeKeys(config.KEYS_FILE) },
    }),
    ...(gateway.console && { console: { url: `${server.url}/console`, access: gateway.console.access } }),
    deps: gateway.deps,
    async close(graceMs) {
      await gateway.console?.close(); // its event streams would hold the graceful close open
      await server.close(graceMs);
      await gateway.close();
    },
  };
}
