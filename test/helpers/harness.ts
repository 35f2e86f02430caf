/**
 * The gateway without its listening socket, in front of a real sandbox: for tests about the
 * gateway's answers, not its transport. Requests go through `app.request()` (no port, no
 * connection), while the gateway's upstream client still speaks real HTTP to the sandbox.
 *
 *   const { sb, gw, key, close } = await startHarness({ sandbox: { config: { autoSms: false } } });
 *   expect(await gw.call({ api_key: key, action: "getBalance" })).toBe("ACCESS_BALANCE:100.00");
 *   await close();
 *
 * Transport, gzip, fuzzing, shutdown and process tests keep real sockets (`gateway.ts`, `process.ts`).
 */

import type { Hono } from "hono";
import { assembleGateway } from "../../src/gateway/start.js";
import type { GatewayDeps } from "../../src/legacy/context.js";
import { type LegacyClient, type Pair, type PairOptions, pairWith, testGatewayConfig } from "./gateway.js";

export const LEGACY_PATH = "/stubs/handler_api.php";

export interface InProcessGateway extends LegacyClient {
  app: Hono;
  deps: GatewayDeps;
  dataDir: string;
  /** The legacy endpoint with these parameters as a query string, through `app.request()`. */
  request(params: Record<string, string>, init?: RequestInit): Promise<Response>;
  /** Any path (`/readyz`, `/metrics`, a legacy path with a query…), through `app.request()`. */
  fetch(pathAndQuery: string, init?: RequestInit): Promise<Response>;
  /** Stops the gateway's background work and closes its stores. */
  close(): Promise<void>;
}

/** Assembles a gateway (everything but the socket) in front of `upstreamUrl`. */
export async function assembleTestGateway(
  upstreamUrl: string,
  opts: PairOptions["gateway"] = {},
): Promise<InProcessGateway> {
  const { config, dataDir, log } = testGatewayConfig(upstreamUrl, opts);
  const assembled = await assembleGateway(config, { log });
  const fetch = async (pathAndQuery: string, init?: RequestInit) => assembled.app.request(pathAndQuery, init);
  const request = (params: Record<string, string>, init?: RequestInit) =>
    fetch(`${LEGACY_PATH}?${new URLSearchParams(params)}`, init);
  return {
    app: assembled.app,
    deps: assembled.deps,
    dataDir,
    request,
    fetch,
    call: async (params) => (await request(params)).text(),
    close: () => assembled.close(),
  };
}

/** A real sandbox (its own port) and an in-process gateway in front of it, with one close(). */
export function startHarness(opts: PairOptions = {}): Promise<Pair<InProcessGateway>> {
  return pairWith(opts, (sb) => assembleTestGateway(sb.baseUrl, opts.gateway));
}
