import type { Logger } from "pino";
import type { GatewayConfig } from "../config.js";
import { loadKeyResolver } from "../keys/key-file.js";
import type { GatewayDeps } from "../legacy/context.js";
import type { KeyResolver } from "../legacy/handler.js";
import { KeyRing } from "../legacy/key-ring.js";
import { OrphanSettler } from "../legacy/orphan-settler.js";
import { Catalog } from "../mapping/catalog.js";
import { countryTable } from "../mapping/countries.js";
import { createMetrics } from "../metrics.js";
import type { SandboxConfig } from "../sandbox/config.js";
import { startSandbox } from "../sandbox/server.js";
import { openCatalogSnapshotStore } from "../store/catalog-snapshot.js";
import type { IdStore } from "../store/id-store.js";
import { ownerOf } from "../store/owner.js";
import { openSqliteIdStore } from "../store/sqlite.js";
import { CircuitBreaker } from "../upstream/breaker.js";
import { UpstreamClient } from "../upstream/client.js";
import { KeyGate } from "../upstream/key-gate.js";
import { StatusShield } from "../upstream/status-shield.js";
import { createGatewayApp } from "./app.js";
import { listen } from "./server.js";

export interface RunningGateway {
  url: string;
  legacyUrl: string;
  upstreamUrl: string;
  /** set when the embedded sandbox is the upstream */
  sandbox?: { url: string; apiBase: string; demoKeys: string[] };
  deps: GatewayDeps;
  close(graceMs?: number): Promise<void>;
}

async function openIdStore(config: GatewayConfig): Promise<IdStore> {
  if (config.REDIS_URL) {
    const { openRedisIdStore } = await import("../store/redis.js");
    return openRedisIdStore({ url: config.REDIS_URL });
  }
  return openSqliteIdStore({ dataDir: config.DATA_DIR });
}

/**
 * Start-up in one straight line: stores → (embedded sandbox) → upstream client → app → listen.
 * With no UPSTREAM_URL the sandbox is started on SANDBOX_PORT and used as the upstream.
 */
export async function startGateway(
  config: GatewayConfig,
  opts: { log: Logger; sandboxConfig?: SandboxConfig; resolveKey?: KeyResolver },
): Promise<RunningGateway> {
  const { log } = opts;
  const metrics = createMetrics();
  const ids = metrics.instrumentIdStore(await openIdStore(config));
  const resolveKey =
    opts.resolveKey ??
    (config.KEYS_FILE
      ? loadKeyResolver(config.KEYS_FILE, {
          onReload: (keys) => log.info({ keys }, "gateway keys reloaded"),
          onReloadError: (err) =>
            log.warn({ err }, "gateway keys file reload failed; keeping the previous keys"),
        })
      : undefined);
  let sandbox: Awaited<ReturnType<typeof startSandbox>> | undefined;
  if (!config.UPSTREAM_URL) {
    if (!opts.sandboxConfig) throw new Error("no UPSTREAM_URL and no sandbox configuration");
    sandbox = await startSandbox(opts.sandboxConfig, { port: config.SANDBOX_PORT, host: "127.0.0.1" });
  }
  const upstreamUrl = config.UPSTREAM_URL ?? sandbox!.apiBase;
  const upstream = new UpstreamClient({
    baseUrl: upstreamUrl,
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    purchaseTimeoutMs: config.PURCHASE_TIMEOUT_MS,
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
  const catalog = new Catalog({
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
  await catalog.load();
  const keyRing = new KeyRing();
  for (const account of opts.sandboxConfig?.accounts ?? [])
    keyRing.remember(ownerOf(account.apiKey), account.apiKey);
  const deps: GatewayDeps = {
    upstream,
    ids,
    keyRing,
    shield: new StatusShield(
      (key, id) => upstream.getActivation(key, id),
      config.STATUS_CACHE_MS,
      metrics.shieldEvents(),
    ),
    countries: countryTable(),
    services: catalog.services,
    catalog,
    settings: { defaultCountry: config.DEFAULT_COUNTRY },
    onReconciliation: (result) => metrics.reconciliation(result),
  };
  metrics.breakerState("upstream", upstream.breaker.state);
  const settler = new OrphanSettler({
    ids,
    upstream,
    keyRing,
    log,
    purchaseTimeoutMs: config.PURCHASE_TIMEOUT_MS,
    giveUpAfterMs: 2 * 60 * 60_000,
    onResult: (result) => metrics.orphanCancel(result),
  });
  settler.start(config.ORPHAN_SWEEP_S * 1000);
  const app = createGatewayApp({
    deps,
    log,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    ...(resolveKey && { resolveKey }),
    metrics: { contentType: metrics.contentType, render: () => metrics.render() },
    onAnswer: (action, token, seconds) => metrics.legacyAnswer(action, token, seconds),
    readiness: async () => {
      // The upstream's state is reported, never a reason to be pulled (architecture.md decision 6).
      const upstreamState = {
        breaker: upstream.breaker.state,
        lastError: upstream.breaker.lastError ?? null,
      };
      try {
        await ids.ping();
        return { ready: true, body: { idStore: "ok", upstream: upstreamState } };
      } catch (err) {
        return { ready: false, body: { idStore: String(err), upstream: upstreamState } };
      }
    },
  });
  const server = await listen(app, config.PORT, config.HOST);
  return {
    url: server.url,
    legacyUrl: `${server.url}/stubs/handler_api.php`,
    upstreamUrl,
    ...(sandbox && {
      sandbox: {
        url: sandbox.url,
        apiBase: sandbox.apiBase,
        demoKeys: (opts.sandboxConfig?.accounts ?? []).map((a) => a.apiKey),
      },
    }),
    deps,
    async close(graceMs) {
      await server.close(graceMs);
      await settler.stop();
      await catalog.close();
      upstream.close();
      await sandbox?.close();
      await ids.close();
    },
  };
}
