/**
 * Starts a real gateway in-process on 127.0.0.1 (free port) in front of a given upstream, and
 * speaks the legacy protocol to it over HTTP. For tests about answers rather than transport,
 * `harness.ts` assembles the same gateway without a listening socket.
 *
 *   const { sb, gw, key, close } = await withGatewayAndSandbox({ sandbox: { config: { autoSms: false } } });
 *   const { id, phone } = await buy(gw, key, "tg", "62");
 *   await close();
 */
import { mkdtempSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll } from "vitest";
import { type GatewayConfig, loadConfig } from "../../src/config.js";
import { type RunningGateway, startGateway } from "../../src/gateway/start.js";
import type { GatewayDeps } from "../../src/legacy/context.js";
import type { Logger } from "../../src/logger.js";
import { startTestSandbox, type TestSandbox, type TestSandboxOptions } from "./sandbox.js";

/** Anything that answers legacy calls: a gateway over HTTP, in process, or a spawned one. */
export interface LegacyClient {
  /** GET (or its in-process equivalent) the legacy endpoint with these parameters; the body text. */
  call(params: Record<string, string>): Promise<string>;
}

export interface TestGatewayOptions {
  /** Settings on top of the test defaults (loopback, free port, silent logs, a fresh DATA_DIR). */
  env?: Record<string, string>;
  dataDir?: string;
  log?: Logger;
}

/** The gateway settings tests start from: loopback, a free port, a fresh DATA_DIR, no logs. */
export function testGatewayConfig(upstreamUrl: string, opts: TestGatewayOptions = {}) {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "gw-test-"));
  const config: GatewayConfig = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    UPSTREAM_URL: upstreamUrl,
    LOG_LEVEL: "silent",
    ...opts.env,
  });
  return { config, dataDir, log: opts.log ?? pino({ level: "silent" }) };
}

export interface TestGateway extends LegacyClient {
  url: string;
  legacyUrl: string;
  dataDir: string;
  running: RunningGateway;
  /** the gateway's parts (id store, upstream client, …) for white-box assertions */
  deps: GatewayDeps;
  /** GET the legacy endpoint with these parameters; returns the body text. */
  call(params: Record<string, string>, path?: string): Promise<string>;
  /** POST a form body (and optional query string) to the legacy endpoint. */
  post(form: Record<string, string> | string, query?: Record<string, string>): Promise<string>;
  /** A raw request with full control; the body is not decompressed. */
  raw(
    pathAndQuery: string,
    opts?: { method?: string; headers?: Record<string, string>; body?: string | Buffer },
  ): Promise<RawAnswer>;
  close(): Promise<void>;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export async function startTestGateway(
  opts: TestGatewayOptions & { upstreamUrl: string },
): Promise<TestGateway> {
  const { config, dataDir, log } = testGatewayConfig(opts.upstreamUrl, opts);
  const running = await startGateway(config, { log });
  const legacyUrl = running.legacyUrl;
  const raw: TestGateway["raw"] = (pathAndQuery, o = {}) => rawRequest(`${running.url}${pathAndQuery}`, o);
  return {
    url: running.url,
    legacyUrl,
    dataDir,
    running,
    deps: running.deps,
    async call(params, path = "/stubs/handler_api.php") {
      const res = await raw(`${path}?${new URLSearchParams(params)}`);
      return res.body.toString("utf8");
    },
    async post(form, query) {
      const body = typeof form === "string" ? form : new URLSearchParams(form).toString();
      const qs = query ? `?${new URLSearchParams(query)}` : "";
      const res = await raw(`/stubs/handler_api.php${qs}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body,
      });
      return res.body.toString("utf8");
    },
    raw,
    close: () => running.close(1000),
  };
}

export function rawRequest(
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    // An explicit length: Node would send a GET body unframed, which no server can parse.
    const headers =
      o.body === undefined
        ? o.headers
        : { "content-length": String(Buffer.byteLength(o.body)), ...o.headers };
    // A fresh connection each time: a reused keep-alive socket that the server closed after a 413
    // or an unparsable request would fail the next test's request, not the one that caused it.
    const req = httpRequest(url, { method: o.method ?? "GET", headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(o.body);
  });
}

/** A sandbox and a gateway in front of it, with one close(). */
export interface Pair<G> {
  sb: TestSandbox;
  gw: G;
  /** the sandbox's first account key (the demo key unless `sandbox.config.accounts` says otherwise) */
  key: string;
  /** closes the gateway, then the sandbox */
  close(): Promise<void>;
}

export interface PairOptions {
  /** startTestSandbox's options: fake clock by default */
  sandbox?: TestSandboxOptions;
  gateway?: TestGatewayOptions;
}

/** Starts a sandbox, then `start` in front of it; closes the sandbox if the gateway fails to start. */
export async function pairWith<G extends { close(): Promise<void> }>(
  opts: PairOptions,
  start: (sb: TestSandbox) => Promise<G>,
): Promise<Pair<G>> {
  const sb = await startTestSandbox(opts.sandbox);
  let gw: G;
  try {
    gw = await start(sb);
  } catch (err) {
    await sb.close();
    throw err;
  }
  return {
    sb,
    gw,
    key: sb.apiKey,
    async close() {
      await gw.close();
      await sb.close();
    },
  };
}

/**
 * One pair for a whole test file: started before its tests, closed after them. The fields are
 * filled in by `beforeAll`, so read them inside tests and hooks, not at the file's top level.
 *
 *   const pair = usePair(() => startHarness({ sandbox: { config: { autoSms: false } } }));
 *   it("…", async () => expect(await pair.gw.call({ action: "getCountries" })).toMatch(/^\{/));
 */
export function usePair<G>(start: () => Promise<Pair<G>>): Pair<G> {
  const pair = {} as Pair<G>;
  beforeAll(async () => {
    Object.assign(pair, await start());
  });
  afterAll(async () => {
    await pair.close?.();
  });
  return pair;
}

/** A sandbox and a gateway over real HTTP in front of it. */
export function withGatewayAndSandbox(opts: PairOptions = {}): Promise<Pair<TestGateway>> {
  return pairWith(opts, (sb) => startTestGateway({ ...opts.gateway, upstreamUrl: sb.baseUrl }));
}

/** `getNumber` with `key`; the id and phone of its ACCESS_NUMBER answer, or a failed expectation. */
export async function buy(
  gw: LegacyClient,
  key: string,
  service = "tg",
  country = "62",
): Promise<{ id: string; phone: string }> {
  return parseAccessNumber(await gw.call({ api_key: key, action: "getNumber", service, country }));
}

/** `ACCESS_NUMBER:<id>:<phone>` → id and phone, or a failed expectation. */
export function parseAccessNumber(body: string): { id: string; phone: string } {
  const m = /^ACCESS_NUMBER:(\d+):(\d+)$/.exec(body);
  if (!m) throw new Error(`expected ACCESS_NUMBER, got ${JSON.stringify(body)}`);
  return { id: m[1]!, phone: m[2]! };
}
