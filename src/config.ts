import { z } from "zod";
import { hasLinkLocalHost, LINK_LOCAL_REFUSAL } from "./common/link-local.js";
import { type LimitArgs, parseLimitArgs, type SpendLimits } from "./common/spend-limits.js";
import { bool, ConfigError, httpUrl, int, parseSettings } from "./settings.js";

/** `10,60,300`: whole seconds, 1–86400 each, at most 20 (the webhook back-off schedule). */
const secondsList = z
  .string()
  .regex(/^\d{1,5}(,\d{1,5}){0,19}$/)
  .transform((text) => text.split(",").map(Number))
  .pipe(z.array(z.number().int().min(1).max(86_400)));

/**
 * Every gateway setting, from the environment only, validated once (docs/architecture.md decision 5).
 * The sandbox's own settings (SANDBOX_*) are validated by `sandbox/config.ts`.
 * The README's settings table is checked against `GATEWAY_SETTINGS` by a test.
 */
export const GATEWAY_SETTINGS = {
  PORT: int(0, 65535).default(8080).describe("an integer port 0–65535"),
  HOST: z.string().min(1).default("0.0.0.0").describe("an interface address"),
  UPSTREAM_URL: httpUrl.optional().describe("an http(s) URL such as https://smsbulk.net/api/v1"),
  UPSTREAM_TIMEOUT_MS: int(100, 120_000).default(5000).describe("milliseconds, 100–120000"),
  PURCHASE_TIMEOUT_MS: int(100, 120_000).default(15_000).describe("milliseconds, 100–120000"),
  UPSTREAM_MAX_BODY_BYTES: int(65_536, 1_073_741_824)
    .default(8 * 1024 * 1024)
    .describe("bytes, 65536–1073741824"),
  RECONCILE_WAIT_MS: int(0, 120_000).default(10_000).describe("milliseconds, 0–120000"),
  EMAIL_ADDRESS_WAIT_MS: int(0, 60_000).default(10_000).describe("milliseconds, 0–60000"),
  DATA_DIR: z.string().min(1).default("./data").describe("a directory path"),
  REDIS_URL: z
    .url({ protocol: /^rediss?$/ })
    .optional()
    .describe("a redis:// or rediss:// URL"),
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .default("info")
    .describe("one of fatal, error, warn, info, debug, trace, silent"),
  LOG_PRETTY: bool.default(false).describe("1 or 0"),
  DEFAULT_COUNTRY: int(0, 9999).default(0).describe("a legacy country id such as 0 or 62"),
  STATUS_CACHE_MS: int(0, 60_000).default(1000).describe("milliseconds, 0 (off) – 60000"),
  SERVICES_TTL_S: int(1, 86_400).default(3600).describe("seconds, 1–86400"),
  CATALOG_TTL_S: int(1, 86_400).default(120).describe("seconds, 1–86400 (prices and stock)"),
  CATALOG_CONCURRENCY: int(1, 256).default(8).describe("an integer 1–256 (upstream calls in flight)"),
  CATALOG_RATE_PER_S: int(1, 10_000).default(20).describe("an integer 1–10000 (upstream calls per second)"),
  CATALOG_COLD_DEADLINE_MS: int(100, 120_000).default(10_000).describe("milliseconds, 100–120000"),
  KEYS_FILE: z.string().min(1).optional().describe("a path to the gateway keys file"),
  BREAKER_THRESHOLD: int(1, 1000)
    .default(5)
    .describe("an integer 1–1000 (outages in a row before failing fast)"),
  BREAKER_COOLDOWN_MS: int(100, 600_000).default(5000).describe("milliseconds, 100–600000"),
  KEY_MAX_CONCURRENCY: int(1, 1000)
    .default(16)
    .describe("an integer 1–1000 (upstream calls in flight per key)"),
  ORPHAN_SWEEP_S: int(1, 86_400).default(60).describe("seconds, 1–86400"),
  TRACK_INTERVAL_MS: int(0, 60_000)
    .refine((ms) => ms === 0 || ms >= 100)
    .default(1000)
    .describe("milliseconds, 0 (tracker off: per-activation reads) or 100–60000"),
  TRACK_IDLE_S: int(1, 86_400).default(300).describe("seconds, 1–86400"),
  TRACK_STALE_S: int(1, 3600).default(30).describe("seconds, 1–3600"),
  TRACK_MAX_PAGES: int(1, 100).default(10).describe("an integer 1–100 (pages of 100 per refresh)"),
  TRACK_READS_PER_S: int(1, 1000).default(20).describe("an integer 1–1000 (reads per second per key)"),
  BODY_LIMIT_BYTES: int(1024, 10_485_760).default(65_536).describe("bytes, 1024–10485760"),
  CONSOLE: z
    .enum(["auto", "off"])
    .default("auto")
    .describe("auto (on with CONSOLE_TOKEN, or for loopback with the embedded sandbox) or off"),
  CONSOLE_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{16,256}$/)
    .optional()
    .describe("16–256 printable ASCII characters without spaces"),
  CONSOLE_MAX_STREAMS: int(1, 1000)
    .default(20)
    .describe("an integer 1–1000 (console event streams open at once)"),
  WEBHOOK_URL: httpUrl
    .optional()
    .describe("an http(s) URL (without KEYS_FILE: where every key's SMS are POSTed)"),
  WEBHOOK_SECRET: z
    .string()
    .min(16)
    .max(256)
    .optional()
    .describe("a signing secret of 16–256 characters (required with WEBHOOK_URL)"),
  WEBHOOK_TIMEOUT_MS: int(100, 60_000).default(5000).describe("milliseconds, 100–60000"),
  WEBHOOK_RETRY_S: secondsList
    .default([10, 60, 300, 1800, 7200])
    .describe("comma-separated seconds, e.g. 10,60,300,1800,7200 (1–86400 each, at most 20)"),
  WEBHOOK_CONCURRENCY: int(1, 64).default(4).describe("an integer 1–64 (deliveries in flight per receiver)"),
  // Spend limits for every key without KEYS_FILE (with it, per gateway key: npm run -s keys -- limit)
  LIMIT_DAILY_USD: z.string().optional().describe("an amount in USD, e.g. 5 or 0.50"),
  LIMIT_TOTAL_USD: z.string().optional().describe("an amount in USD, e.g. 100"),
  LIMIT_MAX_PRICE_USD: z.string().optional().describe("an amount in USD, e.g. 0.90"),
  LIMIT_SERVICES: z.string().optional().describe("comma-separated service codes, e.g. tg,wa"),
  LIMIT_COUNTRIES: z.string().optional().describe("comma-separated legacy country ids, e.g. 0,62"),
  LIMIT_MAX_LIVE: z.string().optional().describe("a whole number from 1 (live activations at once)"),
  LIMIT_RATE: z.string().optional().describe("a whole number from 1 (purchases per minute)"),
} as const;

export type GatewayConfig = z.infer<z.ZodObject<typeof GATEWAY_SETTINGS>>;

/** Parses the environment; a bad value throws one line naming the variable and the expected form. */
export function loadConfig(env: Record<string, string | undefined>): GatewayConfig {
  const config = parseSettings(GATEWAY_SETTINGS, env);
  checkWebhookSettings(config);
  settingsLimits(config);
  return config;
}

const LIMIT_SETTINGS = {
  daily: "LIMIT_DAILY_USD",
  total: "LIMIT_TOTAL_USD",
  maxPrice: "LIMIT_MAX_PRICE_USD",
  services: "LIMIT_SERVICES",
  countries: "LIMIT_COUNTRIES",
  maxLive: "LIMIT_MAX_LIVE",
  rate: "LIMIT_RATE",
} as const satisfies Record<keyof LimitArgs, keyof GatewayConfig>;

/** The LIMIT_* settings as spend limits; a bad one throws one line naming it. */
export function settingsLimits(config: GatewayConfig): SpendLimits {
  let limits: SpendLimits = {};
  for (const [arg, name] of Object.entries(LIMIT_SETTINGS)) {
    try {
      limits = { ...limits, ...parseLimitArgs({ [arg]: config[name] }) };
    } catch {
      throw new ConfigError(`Invalid ${name}: expected ${GATEWAY_SETTINGS[name].description}`);
    }
  }
  return limits;
}

/** WEBHOOK_URL applies without KEYS_FILE (with it, webhooks are set per gateway key) and needs a secret. */
function checkWebhookSettings(config: GatewayConfig): void {
  if (config.WEBHOOK_URL && config.KEYS_FILE)
    throw new ConfigError(
      "Invalid WEBHOOK_URL: with KEYS_FILE, webhooks are set per gateway key (npm run -s keys -- webhook ID URL)",
    );
  if (config.WEBHOOK_URL && hasLinkLocalHost(config.WEBHOOK_URL))
    throw new ConfigError(`Invalid WEBHOOK_URL: ${LINK_LOCAL_REFUSAL}`);
  if (config.WEBHOOK_URL && !config.WEBHOOK_SECRET)
    throw new ConfigError(`Invalid WEBHOOK_SECRET: expected ${GATEWAY_SETTINGS.WEBHOOK_SECRET.description}`);
  if (config.WEBHOOK_SECRET && !config.WEBHOOK_URL)
    throw new ConfigError("Invalid WEBHOOK_SECRET: set only with WEBHOOK_URL");
}
