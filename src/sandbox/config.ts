import { z } from "zod";
import { bool, int, parseSettings } from "../settings.js";
import { type FaultRule, faultsBodySchema } from "./faults.js";
import { formatMoney, isMoney, parseMoney } from "./money.js";

export type { FaultRule } from "./faults.js";

export const DEMO_API_KEY = "0123456789abcdef0123456789abcdef";

export interface SandboxAccountConfig {
  apiKey: string;
  /** Decimal string, e.g. "100.00". */
  balance: string;
}

/** How the sandbox behaves (what `createSandboxApp` needs); where it listens is separate. */
export interface SandboxConfig {
  accounts: SandboxAccountConfig[];
  autoSms: boolean;
  smsDelayMs: number;
  /** How long a bought mailbox's emailAddress stays null (0: filled in the purchase answer). */
  emailAddressDelayMs: number;
  activationTtlS: number;
  cancelCooldownS: number;
  /** a mailbox's cancel cool-down: none by default (SMSBulk's email object shows no cancellableAt) */
  emailCancelCooldownS: number;
  rateLimitPerS: number;
  resendLimit: number;
  faults: FaultRule[];
}

/** Defaults for everything, overridable piecewise: handy for tests and embedding. */
export function sandboxConfig(overrides: Partial<SandboxConfig> = {}): SandboxConfig {
  return {
    accounts: [{ apiKey: DEMO_API_KEY, balance: "100.00" }],
    autoSms: true,
    smsDelayMs: 3000,
    emailAddressDelayMs: 300,
    activationTtlS: 1200,
    cancelCooldownS: 120,
    emailCancelCooldownS: 0,
    rateLimitPerS: 1000,
    resendLimit: 3,
    faults: [],
    ...overrides,
  };
}

const API_KEY = /^[A-Za-z0-9_-]{8,128}$/;

/** `key:balance[,key:balance…]`, each key once. */
const accounts = z.string().transform((raw, ctx): SandboxAccountConfig[] => {
  const parsed = raw.split(",").map((entry) => {
    const colon = entry.trim().lastIndexOf(":");
    const apiKey = entry.trim().slice(0, colon);
    const balance = entry.trim().slice(colon + 1);
    const valid = colon > 0 && API_KEY.test(apiKey) && isMoney(balance) && parseMoney(balance) >= 0;
    return valid ? { apiKey, balance: formatMoney(parseMoney(balance)) } : undefined;
  });
  const valid = parsed.filter((a) => a !== undefined);
  if (valid.length !== parsed.length || new Set(valid.map((a) => a.apiKey)).size !== valid.length) {
    ctx.addIssue({ code: "custom", message: "bad accounts" });
    return z.NEVER;
  }
  return valid;
});

/** The JSON of `PUT /sandbox/faults`. */
const faults = z.string().transform((raw, ctx): FaultRule[] => {
  try {
    const parsed = faultsBodySchema.safeParse(JSON.parse(raw));
    if (parsed.success) return parsed.data.rules;
  } catch {
    // not JSON: reported below
  }
  ctx.addIssue({ code: "custom", message: "bad fault rules" });
  return z.NEVER;
});

/**
 * Every sandbox setting (README "Settings" lists them; a test checks the table against this), read
 * by `npm run sandbox` and, for the embedded sandbox, by `npm start`.
 */
export const SANDBOX_SETTINGS = {
  SANDBOX_PORT: int(0, 65535).default(8081).describe("an integer port 0–65535"),
  SANDBOX_HOST: z.string().min(1).default("127.0.0.1").describe("an interface address"),
  SANDBOX_ACCOUNTS: accounts
    .optional()
    .describe(
      "key:balance[,key:balance…] with distinct keys of 8–128 letters, digits, '_' or '-' and balances like 100.00",
    ),
  SANDBOX_AUTO_SMS: bool.default(true).describe("1 or 0 (true or false)"),
  SANDBOX_SMS_DELAY_MS: int(0, 86_400_000).default(3000).describe("milliseconds, 0–86400000"),
  SANDBOX_EMAIL_ADDRESS_DELAY_MS: int(0, 86_400_000).default(300).describe("milliseconds, 0–86400000"),
  SANDBOX_ACTIVATION_TTL_S: int(1, 86_400).default(1200).describe("seconds, 1–86400"),
  SANDBOX_CANCEL_COOLDOWN_S: int(0, 86_400).default(120).describe("seconds, 0–86400"),
  SANDBOX_EMAIL_CANCEL_COOLDOWN_S: int(0, 86_400).default(0).describe("seconds, 0–86400"),
  SANDBOX_RESEND_LIMIT: int(0, 100).default(3).describe("an integer 0–100"),
  SANDBOX_RATE_LIMIT: int(1, 1_000_000).default(1000).describe("requests per second per key, 1–1000000"),
  SANDBOX_FAULTS: faults
    .optional()
    .describe('JSON like {"rules":[{"route":"POST /api/v1/activations","phase":"after","error500":0.2}]}'),
} as const;

export interface SandboxSettings {
  config: SandboxConfig;
  port: number;
  host: string;
}

/** Reads the sandbox settings from the environment; throws a ConfigError (one line) on a bad value. */
export function loadSandboxSettings(env: Record<string, string | undefined>): SandboxSettings {
  const s = parseSettings(SANDBOX_SETTINGS, env);
  return {
    config: sandboxConfig({
      ...(s.SANDBOX_ACCOUNTS && { accounts: s.SANDBOX_ACCOUNTS }),
      autoSms: s.SANDBOX_AUTO_SMS,
      smsDelayMs: s.SANDBOX_SMS_DELAY_MS,
      emailAddressDelayMs: s.SANDBOX_EMAIL_ADDRESS_DELAY_MS,
      activationTtlS: s.SANDBOX_ACTIVATION_TTL_S,
      cancelCooldownS: s.SANDBOX_CANCEL_COOLDOWN_S,
      emailCancelCooldownS: s.SANDBOX_EMAIL_CANCEL_COOLDOWN_S,
      rateLimitPerS: s.SANDBOX_RATE_LIMIT,
      resendLimit: s.SANDBOX_RESEND_LIMIT,
      faults: s.SANDBOX_FAULTS ?? [],
    }),
    port: s.SANDBOX_PORT,
    host: s.SANDBOX_HOST,
  };
}
