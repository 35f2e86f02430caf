import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import type pino from "pino";
import { createSandboxApp } from "./app.js";
import type { Clock } from "./clock.js";
import type { SandboxConfig } from "./config.js";
import { errorBody } from "./errors.js";

export interface StartSandboxOptions {
  port?: number;
  host?: string;
  clock?: Clock;
  logger?: pino.Logger;
  random?: () => number;
}

export interface RunningSandbox {
  /** e.g. http://127.0.0.1:8081 */
  url: string;
  /** url + "/api/v1" */
  apiBase: string;
  close(): Promise<void>;
}

/** Serves a sandbox over HTTP; port 0 picks a free one. close() also ends keep-alive connections. */
export async function startSandbox(
  config: SandboxConfig,
  opts: StartSandboxOptions = {},
): Promise<RunningSandbox> {
  const sandbox = createSandboxApp(config, { clock: opts.clock, logger: opts.logger, random: opts.random });
  const listener = getRequestListener(sandbox.app.fetch, {
    // Only reached when the request itself cannot be built (e.g. a bad URL); keep the JSON contract.
    errorHandler: () => Response.json(errorBody(400, "Bad request"), { status: 400 }),
  });
  const server = createServer((req, res) => void listener(req, res));
  const host = opts.host ?? "127.0.0.1";

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    apiBase: `${url}/api/v1`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        sandbox.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
