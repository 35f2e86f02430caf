/**
 * Gateways with the operator console for tests: in-process, on 127.0.0.1 (free ports), with the
 * embedded sandbox (`startConsoleGateway()`) or in front of a given upstream (`upstreamUrl`).
 *
 *   const gw = await startConsoleGateway({ env: { CONSOLE_TOKEN: "…" } });
 *   await gw.call({ api_key: DEMO_API_KEY, action: "getBalance" });
 *   // http://127.0.0.1:<port>/console
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Logger, pino } from "pino";
import { loadConfig } from "../../src/config.js";
import {
  type AssembledGateway,
  assembleGateway,
  type RunningGateway,
  startGateway,
} from "../../src/gateway/start.js";
import { loadSandboxSettings } from "../../src/sandbox/config.js";

export interface ConsoleGatewayOptions {
  /** gateway settings (CONSOLE_TOKEN, KEYS_FILE, …) */
  env?: Record<string, string>;
  /** SANDBOX_* settings of the embedded sandbox (automatic SMS off unless given) */
  sandboxEnv?: Record<string, string>;
  /** a separate upstream instead of the embedded sandbox */
  upstreamUrl?: string;
  /** the gateway's logger (silent unless given) */
  log?: Logger;
}

function settings(opts: ConsoleGatewayOptions) {
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: mkdtempSync(join(tmpdir(), "gw-console-")),
    LOG_LEVEL: "silent",
    ...(opts.upstreamUrl && { UPSTREAM_URL: opts.upstreamUrl }),
    ...opts.env,
  });
  const sandbox = opts.upstreamUrl
    ? undefined
    : loadSandboxSettings({ SANDBOX_PORT: "0", SANDBOX_AUTO_SMS: "false", ...opts.sandboxEnv });
  return { config, start: { log: opts.log ?? pino({ level: "silent" }), ...(sandbox && { sandbox }) } };
}

export interface ConsoleGateway {
  url: string;
  running: RunningGateway;
  /** GET the legacy endpoint; the body text */
  call(params: Record<string, string>): Promise<string>;
  close(): Promise<void>;
}

export async function startConsoleGateway(opts: ConsoleGatewayOptions = {}): Promise<ConsoleGateway> {
  const { config, start } = settings(opts);
  const running = await startGateway(config, start);
  return {
    url: running.url,
    running,
    async call(params) {
      const res = await fetch(`${running.legacyUrl}?${new URLSearchParams(params)}`);
      return res.text();
    },
    close: () => running.close(1000),
  };
}

/** The app without a socket, for `app.request(url, init, env)` with a chosen remote address. */
export async function assembleConsoleGateway(opts: ConsoleGatewayOptions = {}): Promise<AssembledGateway> {
  const { config, start } = settings(opts);
  return assembleGateway(config, start);
}

/** What the node adapter would pass as `c.env` for a socket from `remoteAddress`. */
export const fromAddress = (remoteAddress: string) => ({ incoming: { socket: { remoteAddress } } });
