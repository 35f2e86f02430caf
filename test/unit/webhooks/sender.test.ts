import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResolveHost } from "../../../src/webhooks/receiver-lookup.js";
import { postWebhook } from "../../../src/webhooks/sender.js";

/** One POST to a receiver: 2xx is success; a redirect, an error status, a hang or a refusal is not. */
let server: Server;
let base: string;
const hits: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? "");
    req.resume();
    req.on("end", () => {
      if (req.url === "/ok") res.writeHead(202).end("accepted");
      else if (req.url === "/redirect") res.writeHead(302, { location: "/ok" }).end();
      else if (req.url === "/fail") res.writeHead(503).end();
      // "/hang": never answered
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const post = (path: string, timeoutMs = 5000) =>
  postWebhook(`${base}${path}`, { headers: { "content-type": "application/json" }, body: "{}", timeoutMs });

describe("postWebhook", () => {
  it("succeeds on a 2xx", async () => {
    expect(await post("/ok")).toEqual({ ok: true, status: 202 });
  });

  it("does not follow a redirect", async () => {
    hits.length = 0;
    expect(await post("/redirect")).toEqual({ ok: false, reason: "status 302" });
    expect(hits).toEqual(["/redirect"]);
  });

  it("fails on an error status, a hang (after the timeout) and a refused connection, naming no URL", async () => {
    expect(await post("/fail")).toEqual({ ok: false, reason: "status 503" });
    expect(await post("/hang?token=secret", 200)).toEqual({ ok: false, reason: "timeout" });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(
      await postWebhook(`http://127.0.0.1:${port}/x?token=secret`, {
        headers: {},
        body: "{}",
        timeoutMs: 2000,
      }),
    ).toEqual({ ok: false, reason: "ECONNREFUSED" });
  });

  it("stops at once when aborted", async () => {
    const abort = new AbortController();
    const pending = postWebhook(`${base}/hang`, {
      headers: {},
      body: "{}",
      timeoutMs: 60_000,
      signal: abort.signal,
    });
    abort.abort();
    expect(await pending).toEqual({ ok: false, reason: "aborted" });
  });

  it("refuses a receiver that is or resolves to a link-local address, and connects to a loopback one", async () => {
    const port = new URL(base).port;
    const zone: Record<string, string[]> = {
      "metadata.test": ["169.254.169.254"],
      "mapped.test": ["::ffff:169.254.1.1"],
      "mixed.test": ["127.0.0.1", "fe80::1"],
      "loopback.test": ["127.0.0.1"],
    };
    const looked: string[] = [];
    const resolve: ResolveHost = (hostname, _options, callback) => {
      looked.push(hostname);
      const found = zone[hostname] ?? [];
      callback(
        null,
        found.map((address) => ({ address, family: address.includes(":") ? 6 : 4 })),
      );
    };
    const send = (host: string) =>
      postWebhook(`http://${host}:${port}/ok`, { headers: {}, body: "{}", timeoutMs: 2000, resolve });
    hits.length = 0;
    for (const host of ["metadata.test", "mapped.test", "mixed.test", "169.254.169.254", "[fe80::1]"])
      expect(await send(host), host).toEqual({ ok: false, reason: "refused: link-local address" });
    expect(hits).toEqual([]);
    expect(await send("loopback.test")).toEqual({ ok: true, status: 202 });
    expect(hits).toEqual(["/ok"]);
    expect(looked).toEqual(["metadata.test", "mapped.test", "mixed.test", "loopback.test"]);
  });
});
