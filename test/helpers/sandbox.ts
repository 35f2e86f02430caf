/**
 * Starts a real sandbox on 127.0.0.1 (free port) for tests, with a fake clock by default.
 *
 *   const sb = await startTestSandbox({ config: { cancelCooldownS: 0 } });
 *   const res = await sb.api("/activations", { method: "POST", json: { serviceCode: "tg", countryIso: "TR" } });
 *   sb.advance(3000);                       // the SMS arrives (fake clock only)
 *   await sb.control.deliverSms({ activationId: res.body.id, text: "Your code is 1234" });
 *   await sb.close();
 */

import type { Logger } from "pino";
import { FakeClock } from "../../src/sandbox/clock.js";
import { DEMO_API_KEY, type SandboxConfig, sandboxConfig } from "../../src/sandbox/config.js";
import type { FaultRuleInput } from "../../src/sandbox/faults.js";
import { startSandbox } from "../../src/sandbox/server.js";
import { type Activation, activationSchema } from "../../src/upstream/schemas.js";
import { nextSandboxSalt, seededRandom } from "./random.js";

export { DEMO_API_KEY, FakeClock };

export interface TestSandboxOptions {
  /** Overrides of the sandbox defaults (one demo account with 100.00, auto SMS after 3 s, 20-minute window…). */
  config?: Partial<SandboxConfig>;
  /** "fake" (default): time moves only with advance(); "real": wall clock; or your own FakeClock. */
  clock?: "fake" | "real" | FakeClock;
  /**
   * Randomness for phone numbers, codes, ids and fault draws: seeded from the run's TEST_SEED by
   * default (each sandbox of a test file its own stream), or your own.
   */
  random?: () => number;
  /** The sandbox's logger (silent by default); at debug it logs every request once answered. */
  logger?: Logger;
}

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers loosely; the upstream schemas check them where it matters
export type Json = any;

export interface HttpResult<T = Json> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the answer is JSON, else the text. */
  body: T;
  text: string;
}

export interface RequestOptions {
  method?: string;
  /** Sent as a JSON body. */
  json?: unknown;
  /** A raw body (wins over json). */
  body?: string | Uint8Array;
  /** The API key sent as x-api-key; defaults to the first configured account's; null sends none. */
  key?: string | null;
  headers?: Record<string, string>;
}

export interface TestSandbox {
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  /** url + "/api/v1": the native API base the gateway is pointed at. */
  baseUrl: string;
  /** The first configured account's key (the demo key unless config.accounts says otherwise). */
  apiKey: string;
  /** The fake clock, or undefined with clock: "real". */
  clock: FakeClock | undefined;
  /** Moves the fake clock (fires due SMS/expiry timers); throws with a real clock. */
  advance(ms: number): void;
  /** A request to `baseUrl + path` with the default key. */
  api<T = Json>(path: string, options?: RequestOptions): Promise<HttpResult<T>>;
  /** A request to `url + path` with no key (control routes, odd paths). */
  raw<T = Json>(path: string, options?: RequestOptions): Promise<HttpResult<T>>;
  control: SandboxControl;
  close(): Promise<void>;
}

export interface SandboxControl {
  /** Creates or resets an account (balance, ledger and activations). */
  account(apiKey: string, balance: string, options?: { blocked?: boolean }): Promise<HttpResult>;
  /** Adds `amount` to an account's balance (a DEPOSIT); answers the balance, never the key. */
  topUp(apiKey: string, amount: string): Promise<HttpResult>;
  deliverSms(target: { activationId: string } | { phoneNumber: string }, text?: string): Promise<HttpResult>;
  /** Ends an activation's window now, as its expiry would. */
  expire(activationId: string): Promise<HttpResult>;
  setFaults(rules: FaultRuleInput[]): Promise<HttpResult>;
  clearFaults(): Promise<HttpResult>;
  setOffer(
    serviceCode: string,
    countryIso: string,
    change: { price?: string; stock?: number },
  ): Promise<HttpResult>;
  stats(): Promise<{
    purchases: number;
    refunds: number;
    emailPurchases: number;
    emailRefunds: number;
    requests: Record<string, number>;
  }>;
  resetStats(): Promise<void>;
  /** Every activation the sandbox handed out (newest first), optionally of one key. */
  activations(
    apiKey?: string,
  ): Promise<{ id: string; status: string; account: string; phoneNumber: string }[]>;
}

async function request(url: string, options: RequestOptions, defaultKey: string | null): Promise<HttpResult> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? defaultKey : options.key;
  if (key !== null) headers["x-api-key"] = key;
  let body: string | Uint8Array | undefined = options.body;
  if (body === undefined && options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers["content-type"] ??= "application/json";
  }
  const res = await fetch(url, {
    method: options.method ?? (body === undefined ? "GET" : "POST"),
    headers,
    body,
  });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get("content-type") ?? "").includes("application/json")) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed, text };
}

export async function startTestSandbox(options: TestSandboxOptions = {}): Promise<TestSandbox> {
  const config = sandboxConfig(options.config);
  const clock =
    options.clock === "real"
      ? undefined
      : options.clock instanceof FakeClock
        ? options.clock
        : new FakeClock();
  const random = options.random ?? seededRandom(nextSandboxSalt());
  const running = await startSandbox(config, {
    port: 0,
    host: "127.0.0.1",
    clock,
    random,
    ...(options.logger && { logger: options.logger }),
  });
  const apiKey = config.accounts[0]?.apiKey ?? DEMO_API_KEY;
  const raw = (path: string, o: RequestOptions = {}) => request(`${running.url}${path}`, o, null);
  const control: SandboxControl = {
    account: (key, balance, o = {}) => raw("/sandbox/accounts", { json: { apiKey: key, balance, ...o } }),
    topUp: (key, amount) => raw("/sandbox/accounts/top-up", { json: { apiKey: key, amount } }),
    expire: (id) => raw(`/sandbox/activations/${encodeURIComponent(id)}/expire`, { method: "POST" }),
    deliverSms: (target, text) =>
      raw("/sandbox/sms", { json: { ...target, ...(text === undefined ? {} : { text }) } }),
    setFaults: (rules) => raw("/sandbox/faults", { method: "PUT", json: { rules } }),
    clearFaults: () => raw("/sandbox/faults", { method: "PUT", json: { rules: [] } }),
    setOffer: (serviceCode, countryIso, change) =>
      raw("/sandbox/offers", { method: "PUT", json: { serviceCode, countryIso, ...change } }),
    stats: async () => (await raw("/sandbox/stats")).body,
    resetStats: async () => {
      await raw("/sandbox/stats/reset", { method: "POST" });
    },
    activations: async (key) =>
      (await raw(`/sandbox/activations${key === undefined ? "" : `?apiKey=${encodeURIComponent(key)}`}`)).body
        .data,
  };
  return {
    url: running.url,
    baseUrl: running.apiBase,
    apiKey,
    clock,
    advance(ms) {
      if (!clock) throw new Error("advance() needs the fake clock (clock: 'fake')");
      clock.advance(ms);
    },
    api: (path, o = {}) => request(`${running.apiBase}${path}`, o, apiKey),
    raw,
    control,
    close: () => running.close(),
  };
}

/** Buys tg in Turkey straight from the sandbox (with `key`, else the default key); throws unless 201. */
export async function buyTgInTurkey(sb: TestSandbox, key?: string): Promise<Activation> {
  const res = await sb.api("/activations", {
    method: "POST",
    json: { serviceCode: "tg", countryIso: "TR" },
    key,
  });
  if (res.status !== 201) throw new Error(`POST /activations: ${res.status} ${JSON.stringify(res.body)}`);
  return activationSchema.parse(res.body);
}
