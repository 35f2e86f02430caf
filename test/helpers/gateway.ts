/**
 * Starts a real gateway in-process on 127.0.0.1 (free port) in front of a given upstream, and
 * speaks the legacy protocol to it over HTTP.
 *
 *   const sb = await startTestSandbox({ clock: "real", config: { autoSms: false } });
 *   const gw = await startTestGateway({ upstreamUrl: sb.baseUrl });
 *   const body = await gw.call({ api_key: sb.apiKey, action: "getBalance" });
 */
import { mkdtempSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { loadConfig } from "../../src/config.js";
import { type RunningGateway, startGateway } from "../../src/gateway/start.js";
import type { Logger } from "../../src/logger.js";

export interface TestGateway {
  url: string;
  legacyUrl: string;
  dataDir: string;
  running: RunningGateway;
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

export async function startTestGateway(opts: {
  upstreamUrl: string;
  env?: Record<string, string>;
  dataDir?: string;
  log?: Logger;
}): Promise<TestGateway> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "gw-test-"));
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    UPSTREAM_URL: opts.upstreamUrl,
    LOG_LEVEL: "silent",
    ...opts.env,
  });
  const running = await startGateway(config, { log: opts.log ?? pino({ level: "silent" }) });
  const legacyUrl = running.legacyUrl;
  const raw: TestGateway["raw"] = (pathAndQuery, o = {}) => rawRequest(`${running.url}${pathAndQuery}`, o);
  return {
    url: running.url,
    legacyUrl,
    dataDir,
    running,
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

/** `ACCESS_NUMBER:<id>:<phone>` → id and phone, or a failed expectation. */
export function parseAccessNumber(body: string): { id: string; phone: string } {
  const m = /^ACCESS_NUMBER:(\d+):(\d+)$/.exec(body);
  if (!m) throw new Error(`expected ACCESS_NUMBER, got ${JSON.stringify(body)}`);
  return { id: m[1]!, phone: m[2]! };
}
