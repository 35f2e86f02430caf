/**
 * Helpers for the operational end-to-end tests (`test/e2e/ops-*.test.ts`): the compiled gateway
 * (`dist/main.js`) as its own process with its stdout and stderr kept apart, plain HTTP without
 * keep-alive, and polling without duration assertions.
 */

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { GATEWAY_SETTINGS } from "../../src/config.js";
import { rawRequest } from "./gateway.js";

export const MAIN = new URL("../../dist/main.js", import.meta.url).pathname;
export const KEYS_CLI = new URL("../../dist/keys/cli.js", import.meta.url).pathname;

/** Every variable either program reads, blanked: an inherited PORT or REDIS_URL must not leak in. */
const SANDBOX_SETTINGS = [
  "SANDBOX_HOST",
  "SANDBOX_ACCOUNTS",
  "SANDBOX_AUTO_SMS",
  "SANDBOX_SMS_DELAY_MS",
  "SANDBOX_ACTIVATION_TTL_S",
  "SANDBOX_CANCEL_COOLDOWN_S",
  "SANDBOX_RESEND_LIMIT",
  "SANDBOX_RATE_LIMIT",
  "SANDBOX_FAULTS",
];
export function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const blank = Object.fromEntries(
    [...Object.keys(GATEWAY_SETTINGS), ...SANDBOX_SETTINGS].map((n) => [n, ""]),
  );
  return { ...process.env, ...blank, ...env };
}

export function requireBuild(): void {
  for (const file of [MAIN, KEYS_CLI]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` (npm test does it)`);
  }
}

export interface SpawnedGateway {
  child: ChildProcess;
  url: string;
  legacyUrl: string;
  stdout(): string;
  stderr(): string;
  /** resolves with the exit code (null after a signal) and the signal */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (if still running) and wait for the exit */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `node dist/main.js` with a clean environment plus `env`; resolves once the banner is out. */
export function spawnGateway(env: Record<string, string>): Promise<SpawnedGateway> {
  requireBuild();
  const child = spawn(process.execPath, [MAIN], { env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const m = /legacy endpoint: (http:\/\/\S+?)(\/stubs\/handler_api\.php)/.exec(out);
      if (m)
        resolve({
          child,
          url: m[1]!,
          legacyUrl: `${m[1]}${m[2]}`,
          stdout: () => out,
          stderr: () => err,
          exited,
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
            return exited;
          },
        });
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      err += chunk.toString("utf8");
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`gateway exited (${code ?? signal}) before listening:\n${out}\n${err}`)),
    );
  });
}

/** Runs `node dist/main.js` to completion (for start-up failures); killed after `timeoutMs`. */
export function runGatewaySync(env: Record<string, string>, timeoutMs = 15_000) {
  requireBuild();
  const res = spawnSync(process.execPath, [MAIN], {
    env: cleanEnv(env),
    encoding: "utf8",
    timeout: timeoutMs,
  });
  return { status: res.status, signal: res.signal, stdout: res.stdout, stderr: res.stderr };
}

/** `node dist/keys/cli.js …` */
export function keysCli(args: string[]) {
  requireBuild();
  const res = spawnSync(process.execPath, [KEYS_CLI, ...args], {
    encoding: "utf8",
    env: { ...process.env, KEYS_FILE: "" },
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request on a fresh connection (no keep-alive); rejects on a connection error. */
export async function httpCall(
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const res = await rawRequest(url, o);
  return { status: res.status, headers: res.headers, body: res.body.toString("utf8") };
}

/** GET the legacy endpoint with these parameters. */
export function legacy(legacyUrl: string, params: Record<string, string>): Promise<Answer> {
  return httpCall(`${legacyUrl}?${new URLSearchParams(params)}`);
}

/** Polls `probe` until it returns a value other than undefined; fails after `attempts`. */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { attempts = 200, everyMs = 50 } = {},
): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`gave up waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}`);
}

/** Non-empty lines of a process's output. */
export const linesOf = (text: string) => text.split("\n").filter((l) => l.trim() !== "");

/** Sum of the sandbox's request counters for the native API (`/api/v1/…`), control routes excluded. */
export function upstreamRequests(requests: Record<string, number>): number {
  return Object.entries(requests)
    .filter(([route]) => route.includes(" /api/v1"))
    .reduce((sum, [, n]) => sum + n, 0);
}
