/**
 * A webhook receiver for tests: a node:http server on 127.0.0.1 that records every POST and
 * answers as told (`ok` 200, `fail` 500, `hang` never), and can be taken down (connection
 * refused) and brought up again on the same port.
 *
 *   const rx = await startReceiver();
 *   rx.mode = "fail";
 *   await rx.down();      // connection refused from now on
 *   await rx.up();        // listening again, same URL
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

export interface ReceivedHook {
  /** local ms when the request's body had arrived */
  at: number;
  /** what the receiver answered (0: it hung up without answering) */
  status: number;
  id: string;
  timestamp: string;
  signature: string;
  contentType: string;
  path: string;
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read the JSON body loosely
  json: any;
}

export type ReceiverMode = "ok" | "fail" | "hang";

export interface TestReceiver {
  /** e.g. http://127.0.0.1:40123/hook?token=… (a token in the query, as real receivers have) */
  url: string;
  port: number;
  mode: ReceiverMode;
  /** every request that reached the receiver, in arrival order */
  readonly requests: ReceivedHook[];
  /** the ones answered 2xx */
  accepted(): ReceivedHook[];
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export const RECEIVER_TOKEN = "rx-t0ken-in-the-url";

export async function startReceiver(): Promise<TestReceiver> {
  const requests: ReceivedHook[] = [];
  const sockets = new Set<Socket>();
  let mode: ReceiverMode = "ok";

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const hook: ReceivedHook = {
        at: Date.now(),
        status: 0,
        id: String(req.headers["x-webhook-id"] ?? ""),
        timestamp: String(req.headers["x-webhook-timestamp"] ?? ""),
        signature: String(req.headers["x-webhook-signature"] ?? ""),
        contentType: String(req.headers["content-type"] ?? ""),
        path: req.url ?? "",
        body,
        json,
      };
      requests.push(hook);
      if (mode === "hang") return; // never answered; cut when the receiver goes down or closes
      hook.status = mode === "ok" ? 200 : 500;
      res.writeHead(hook.status, { "content-type": "text/plain" }).end(mode === "ok" ? "ok" : "nope");
    });
  };

  let server = createServer(handle);
  const track = (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  };
  server.on("connection", track);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  let listening = true;

  const down = async () => {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await closed;
  };

  return {
    url: `http://127.0.0.1:${port}/hook?token=${RECEIVER_TOKEN}`,
    port,
    get mode() {
      return mode;
    },
    set mode(next: ReceiverMode) {
      if (mode === "hang" && next !== "hang") for (const s of sockets) s.destroy(); // hung requests end unanswered
      mode = next;
    },
    requests,
    accepted: () => requests.filter((r) => r.status >= 200 && r.status < 300),
    down,
    async up() {
      if (listening) return;
      server = createServer(handle);
      server.on("connection", track);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => resolve());
      });
      listening = true;
    },
    close: down,
  };
}
