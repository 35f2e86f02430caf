/**
 * The compiled programs (`dist/…`) as their own processes, for every test that spawns one: always
 * with a clean environment (every gateway and sandbox setting blanked unless given, so an inherited
 * PORT, REDIS_URL or UPSTREAM_URL cannot leak in), stdout and stderr kept apart.
 *
 *   const gw = await spawnGateway({ UPSTREAM_URL: sb.baseUrl });   // resolves once the banner is out
 *   await gw.call({ api_key: key, action: "getBalance" });
 *   expect(await gw.stop()).toEqual({ code: 0, signal: null });
 */

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GATEWAY_SETTINGS } from "../../src/config.js";
import { SANDBOX_SETTINGS } from "../../src/sandbox/config.js";
import { rawRequest } from "./gateway.js";

const dist = (file: string) => new URL(`../../dist/${file}`, import.meta.url).pathname;
export const MAIN = dist("main.js");
export const KEYS_CLI = dist("keys/cli.js");
export const STORE_CLI = dist("store/cli.js");
export const PROBE_CLI = dist("probe/cli.js");

/** Every variable the gateway or the sandbox reads, blanked ("" = the default), then `env` on top. */
export function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const blank = Object.fromEntries(
    [...Object.keys(GATEWAY_SETTINGS), ...Object.keys(SANDBOX_SETTINGS)].map((n) => [n, ""]),
  );
  return { ...process.env, ...blank, ...env };
}

/** Fails with a clear message when `npm run build` has not run (npm test runs it first). */
export function requireBuild(...files: string[]): void {
  for (const file of files.length ? files : [MAIN]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` (npm test does it)`);
  }
}

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export interface SpawnedGateway {
  child: ChildProcess;
  url: string;
  legacyUrl: string;
  stdout(): string;
  stderr(): string;
  /** GET the legacy endpoint with these parameters; the body text. */
  call(params: Record<string, string>): Promise<string>;
  /** resolves with the exit code (null after a signal) and the signal, once its output is all read */
  exited: Promise<Exit>;
  /** SIGTERM (if still running) and wait for the exit */
  stop(): Promise<Exit>;
  /** SIGKILL (if still running), as a crash would, and wait for the exit */
  kill(): Promise<Exit>;
}

/**
 * `node dist/main.js` on loopback with a clean environment plus `env`. Unless given: PORT and
 * SANDBOX_PORT 0 (free ports), HOST 127.0.0.1, a fresh DATA_DIR, LOG_LEVEL silent. Resolves once the
 * banner is out; rejects with both outputs if the process exits first.
 */
export function spawnGateway(env: Record<string, string>): Promise<SpawnedGateway> {
  requireBuild(MAIN);
  const settings = {
    PORT: "0",
    HOST: "127.0.0.1",
    SANDBOX_PORT: "0",
    DATA_DIR: mkdtempSync(join(tmpdir(), "gw-spawned-")),
    LOG_LEVEL: "silent",
    ...env,
  };
  const child = spawn(process.execPath, [MAIN], {
    env: cleanEnv(settings),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  // "close", not "exit": by then stdout and stderr are read to the end
  const exited = new Promise<Exit>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal })),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const m = /legacy endpoint: (http:\/\/\S+?)(\/stubs\/handler_api\.php)/.exec(out);
      if (!m) return;
      const legacyUrl = `${m[1]}${m[2]}`;
      resolve({
        child,
        url: m[1]!,
        legacyUrl,
        stdout: () => out,
        stderr: () => err,
        call: async (params) =>
          (await rawRequest(`${legacyUrl}?${new URLSearchParams(params)}`)).body.toString("utf8"),
        exited,
        async stop() {
          if (running()) child.kill("SIGTERM");
          return exited;
        },
        async kill() {
          if (running()) child.kill("SIGKILL");
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

/**
 * `spawnGateway` on a fixed port just freed (a restart that bots keep calling): another test's
 * process may pick that port as a free one for a moment, so "already in use" is tried again.
 */
export async function respawnGateway(env: Record<string, string>, forMs = 15_000): Promise<SpawnedGateway> {
  const until = Date.now() + forMs;
  for (;;) {
    try {
      return await spawnGateway(env);
    } catch (err) {
      if (!String(err).includes("is already in use") || Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Runs `node dist/main.js` to completion (for start-up failures); killed after `timeoutMs`. */
export function runGatewaySync(env: Record<string, string>, timeoutMs = 15_000) {
  requireBuild(MAIN);
  const res = spawnSync(process.execPath, [MAIN], {
    env: cleanEnv(env),
    encoding: "utf8",
    timeout: timeoutMs,
  });
  return { status: res.status, signal: res.signal, stdout: res.stdout, stderr: res.stderr };
}

export interface ScriptOptions {
  /** on top of the clean environment */
  env?: Record<string, string>;
  /** written to stdin */
  input?: string;
}

/**
 * `node dist/keys/cli.js …` to completion, synchronously (the CLI needs nothing from this process).
 * The keys file comes from `--file` or `env.KEYS_FILE` only.
 */
export function keysCli(args: string[], { env = {}, input }: ScriptOptions = {}) {
  requireBuild(KEYS_CLI);
  const res = spawnSync(process.execPath, [KEYS_CLI, ...args], {
    encoding: "utf8",
    env: cleanEnv(env),
    ...(input !== undefined && { input }),
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/**
 * `node <script> …` to completion without blocking this process (a sandbox in it keeps serving).
 */
export function runScript(
  script: string,
  args: string[],
  { env = {}, input }: ScriptOptions = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  requireBuild(script);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      env: cleanEnv(env),
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c: Buffer) => {
      stdout += c.toString("utf8");
    });
    child.stderr!.on("data", (c: Buffer) => {
      stderr += c.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    if (input !== undefined) child.stdin!.end(input);
  });
}
