import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { getRequestListener } from "@hono/node-server";
import type { Hono } from "hono";
import { T } from "../common/tokens.js";

/**
 * A failure that @hono/node-server catches itself (a broken request stream, say) would otherwise
 * become a bare 500; legacy clients need 200 + a token (docs/legacy-protocol.md §7). The other routes
 * (/healthz, /readyz, /metrics) never reach this.
 */
function adapterErrorResponse(): Response {
  return new Response(T.ERROR_SQL, { status: 200, headers: { "content-type": "text/plain; charset=utf-8" } });
}

const UNPARSABLE_ANSWER =
  "HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\nx-content-type-options: nosniff\r\n" +
  `content-length: ${Buffer.byteLength(T.ERROR_SQL)}\r\nconnection: close\r\n\r\n${T.ERROR_SQL}`;

/**
 * Node's parser refuses some requests before any JavaScript runs (an unencoded space or non-ASCII
 * byte in the URL, as the Java client can send; an oversized header block) and would answer a bare
 * 400/431. Legacy clients treat any non-200 as fatal: answer 200 `ERROR_SQL` instead.
 */
function answerUnparsableRequest(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(UNPARSABLE_ANSWER);
}

export interface Listening {
  server: Server;
  url: string;
  close(graceMs?: number): Promise<void>;
}

export async function listen(app: Hono, port: number, host: string): Promise<Listening> {
  const listener = getRequestListener(app.fetch, { errorHandler: adapterErrorResponse });
  const server = createServer({ maxHeaderSize: 64 * 1024 }, listener);
  server.on("clientError", answerUnparsableRequest);
  server.keepAliveTimeout = 65_000; // longer than typical load-balancer idle timeouts
  const shutdown = trackResponses(server);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return {
    server,
    url: `http://${shownHost}:${bound}`,
    close: (graceMs = 10_000) => closeGracefully(server, shutdown, graceMs),
  };
}

interface ShutdownTracker {
  /** From now on every answer closes its connection, including those of requests in flight. */
  begin(): void;
}

/**
 * The answers not yet started, so that shutdown can make them close their connections. Without
 * it, a keep-alive client (a load balancer, most HTTP libraries) would get `Connection:
 * keep-alive` on its in-flight answer and keep the idle connection open, and `server.close()`
 * would wait for the whole grace period before dropping it.
 */
function trackResponses(server: Server): ShutdownTracker {
  const pending = new Set<ServerResponse>();
  let closing = false;
  const closeAfter = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader("connection", "close");
  };
  server.on("request", (_req, res: ServerResponse) => {
    if (closing) return closeAfter(res); // arrived on a kept-alive connection after close()
    pending.add(res);
    const done = () => pending.delete(res);
    res.once("finish", done);
    res.once("close", done);
  });
  return {
    begin() {
      closing = true;
      for (const res of pending) closeAfter(res);
      pending.clear();
    },
  };
}

/** Stop accepting, let in-flight requests finish (bounded), then drop what is left. */
function closeGracefully(server: Server, shutdown: ShutdownTracker, graceMs: number): Promise<void> {
  shutdown.begin();
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
