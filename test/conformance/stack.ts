/**
 * What the conformance tests run the checker against: a real gateway in front of a real sandbox,
 * and small proxies in front of that gateway that each get one thing wrong (or add TLS).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import type { SandboxConfig } from "../../src/sandbox/config.js";
import { rawRequest, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { type FakeClock, startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

export interface Stack {
  sb: TestSandbox;
  gw: TestGateway;
  close(): Promise<void>;
}

/** Sandbox (real clock, SMS after 200 ms unless configured) + gateway with a fast catalogue fetch. */
export async function startStack(
  config: Partial<SandboxConfig> = {},
  clock: "real" | FakeClock = "real",
): Promise<Stack> {
  const sb = await startTestSandbox({ clock, config: { smsDelayMs: 200, ...config } });
  const gw = await startTestGateway({
    upstreamUrl: sb.baseUrl,
    env: { CATALOG_RATE_PER_S: "1000", CATALOG_CONCURRENCY: "16" },
  });
  return {
    sb,
    gw,
    close: async () => {
      await gw.close();
      await sb.close();
    },
  };
}

/** The answer a wrong endpoint may change before the client sees it. */
export interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/** One wrong habit: a rewrite of the request URL and/or of the answer. */
export interface Wrongness {
  request?: (pathAndQuery: string) => string;
  answer?: (a: Answer, params: URLSearchParams) => Answer;
  /** false: never gzip, whatever the client accepts */
  gzip?: boolean;
}

export interface RunningProxy {
  /** the proxy's handler URL (…/stubs/handler_api.php) */
  legacyUrl: string;
  close(): Promise<void>;
}

/**
 * A proxy in front of `target` (the gateway's root URL) that forwards each request, applies the
 * wrongness to the answer, and gzips it again when the client accepts gzip. With `tls`, it serves
 * https with that key and certificate.
 */
export async function startProxy(
  target: string,
  wrongness: Wrongness = {},
  tls?: { key: Buffer; cert: Buffer },
): Promise<RunningProxy> {
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    forward(req).then(
      (a) => {
        const gzip = wrongness.gzip !== false && /gzip/.test(String(req.headers["accept-encoding"] ?? ""));
        const body = gzip ? gzipSync(a.body) : Buffer.from(a.body);
        res.writeHead(a.status, {
          "content-type": a.contentType,
          "content-length": String(body.length),
          ...(gzip && { "content-encoding": "gzip" }),
        });
        res.end(body);
      },
      (err) => res.writeHead(502).end(String(err)),
    );
  };
  async function forward(req: IncomingMessage): Promise<Answer> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const form = Buffer.concat(chunks).toString("utf8");
    const url = wrongness.request ? wrongness.request(req.url ?? "/") : (req.url ?? "/");
    const contentType = req.headers["content-type"];
    const res = await rawRequest(`${target}${url}`, {
      method: req.method ?? "GET",
      headers: typeof contentType === "string" ? { "content-type": contentType } : {},
      ...(req.method === "POST" && { body: form }),
    });
    const answer: Answer = {
      status: res.status,
      contentType: String(res.headers["content-type"] ?? ""),
      body: res.body.toString("utf8"),
    };
    const params = new URLSearchParams(url.split("?")[1] ?? "");
    for (const [k, v] of new URLSearchParams(form)) if (!params.has(k)) params.set(k, v);
    return wrongness.answer ? wrongness.answer(answer, params) : answer;
  }
  const server: Server = tls ? createHttpsServer(tls, handle) : createHttpServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    legacyUrl: `${tls ? "https" : "http"}://127.0.0.1:${port}/stubs/handler_api.php`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const CLI = new URL("../../dist/conformance/cli.js", import.meta.url).pathname;

/** Environment for the compiled CLI: nothing of the gateway's settings leaks in. */
export const CLEAN_ENV: Record<string, string> = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  PORT: "",
  HOST: "",
  UPSTREAM_URL: "",
  REDIS_URL: "",
  KEYS_FILE: "",
  DATA_DIR: "",
  SANDBOX_ACCOUNTS: "",
  SANDBOX_PORT: "",
  NODE_OPTIONS: "",
  NODE_EXTRA_CA_CERTS: "",
};

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs dist/conformance/cli.js (after `npm run build`) with a clean environment. */
export function runCli(args: string[], stdin?: string): Promise<CliRun> {
  if (!existsSync(CLI)) throw new Error("dist/conformance/cli.js is missing: run `npm run build` first");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: CLEAN_ENV,
      stdio: [stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c) => (stdout += c));
    child.stderr!.on("data", (c) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    if (stdin !== undefined) child.stdin!.end(stdin);
  });
}
