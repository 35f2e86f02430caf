import { type FaultRule, faultsBodySchema } from "./faults.js";
import { formatMoney, isMoney, parseMoney } from "./money.js";

export type { FaultRule } from "./faults.js";

export const DEMO_API_KEY = "0123456789abcdef0123456789abcdef";
export const DEFAULT_SANDBOX_PORT = 8081;

export interface SandboxAccountConfig {
  apiKey: string;
  /** Decimal string, e.g. "100.00". */
  balance: string;
}

export interface SandboxConfig {
  accounts: SandboxAccountConfig[];
  autoSms: boolean;
  smsDelayMs: number;
  activationTtlS: number;
  cancelCooldownS: number;
  rateLimitPerS: number;
  resendLimit: number;
  faults: FaultRule[];
}

export class SandboxConfigError extends Error {
  override name = "SandboxConfigError";
}

/** Defaults for everything, overridable piecewise: handy for tests and embedding. */
export function sandboxConfig(overrides: Partial<SandboxConfig> = {}): SandboxConfig {
  return {
    accounts: [{ apiKey: DEMO_API_KEY, balance: "100.00" }],
    autoSms: true,
    smsDelayMs: 3000,
    activationTtlS: 1200,
    cancelCooldownS: 120,
    rateLimitPerS: 1000,
    resendLimit: 3,
    faults: [],
    ...overrides,
  };
}

const API_KEY = /^[A-Za-z0-9_-]{8,128}$/;

function parseAccounts(raw: string): SandboxAccountConfig[] {
  const fail = () =>
    new SandboxConfigError(
      "SANDBOX_ACCOUNTS must be key:balance[,key:balance…] with keys of 8–128 letters, digits, '_' or '-' and balances like 100.00",
    );
  const entries = raw.split(",").map((s) => s.trim());
  if (entries.length === 0 || entries.some((e) => e === "")) throw fail();
  const accounts = entries.map((entry) => {
    const colon = entry.lastIndexOf(":");
    const apiKey = entry.slice(0, colon);
    const balance = entry.slice(colon + 1);
    if (colon < 0 || !API_KEY.test(apiKey) || !isMoney(balance) || parseMoney(balance) < 0) throw fail();
    return { apiKey, balance: formatMoney(parseMoney(balance)) };
  });
  if (new Set(accounts.map((a) => a.apiKey)).size !== accounts.length) {
    throw new SandboxConfigError("SANDBOX_ACCOUNTS lists the same key twice");
  }
  return accounts;
}

function parseBoolean(name: string, raw: string): boolean {
  if (raw === "true") return true;
  if (raw === "false") return false;
  throw new SandboxConfigError(`${name} must be true or false, got "${raw}"`);
}

function parseInteger(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    throw new SandboxConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

function parseFaults(raw: string): FaultRule[] {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new SandboxConfigError(
      'SANDBOX_FAULTS must be JSON like {"rules":[{"route":"POST /api/v1/activations","phase":"after","error500":0.2}]}',
    );
  }
  const parsed = faultsBodySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SandboxConfigError(
      `SANDBOX_FAULTS is invalid at ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "bad value"}`,
    );
  }
  return parsed.data.rules;
}

/** Reads the sandbox settings from the environment; throws SandboxConfigError (one line) on bad values. */
export function loadSandboxConfig(env: Record<string, string | undefined>): SandboxConfig {
  const get = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  };
  const base = sandboxConfig();
  const accounts = get("SANDBOX_ACCOUNTS");
  const autoSms = get("SANDBOX_AUTO_SMS");
  const delay = get("SANDBOX_SMS_DELAY_MS");
  const ttl = get("SANDBOX_ACTIVATION_TTL_S");
  const cooldown = get("SANDBOX_CANCEL_COOLDOWN_S");
  const rate = get("SANDBOX_RATE_LIMIT");
  const resend = get("SANDBOX_RESEND_LIMIT");
  const faults = get("SANDBOX_FAULTS");
  return {
    accounts: accounts === undefined ? base.accounts : parseAccounts(accounts),
    autoSms: autoSms === undefined ? base.autoSms : parseBoolean("SANDBOX_AUTO_SMS", autoSms),
    smsDelayMs:
      delay === undefined ? base.smsDelayMs : parseInteger("SANDBOX_SMS_DELAY_MS", delay, 0, 86_400_000),
    activationTtlS:
      ttl === undefined ? base.activationTtlS : parseInteger("SANDBOX_ACTIVATION_TTL_S", ttl, 1, 86_400),
    cancelCooldownS:
      cooldown === undefined
        ? base.cancelCooldownS
        : parseInteger("SANDBOX_CANCEL_COOLDOWN_S", cooldown, 0, 86_400),
    rateLimitPerS:
      rate === undefined ? base.rateLimitPerS : parseInteger("SANDBOX_RATE_LIMIT", rate, 1, 1_000_000),
    resendLimit:
      resend === undefined ? base.resendLimit : parseInteger("SANDBOX_RESEND_LIMIT", resend, 0, 100),
    faults: faults === undefined ? base.faults : parseFaults(faults),
  };
}

/** SANDBOX_PORT, used by main.ts only. */
export function loadSandboxPort(env: Record<string, string | undefined>): number {
  const raw = env.SANDBOX_PORT?.trim();
  if (!raw) return DEFAULT_SANDBOX_PORT;
  return parseInteger("SANDBOX_PORT", raw, 0, 65_535);
}
