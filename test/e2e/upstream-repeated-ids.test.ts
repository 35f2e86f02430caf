import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buy } from "../helpers/gateway.js";
import { assembleTestGateway, type InProcessGateway } from "../helpers/harness.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

/**
 * An upstream whose activation lists repeat every id (a broken server, or a cursor shifted by a new
 * activation): the gateway lists each activation once. A proxy in front of the sandbox doubles lists.
 */
let sb: TestSandbox;
let proxy: Server;
let gw: InProcessGateway;

beforeAll(async () => {
  sb = await startTestSandbox({ config: { autoSms: false } });
  proxy = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(
        ([name]) => !["host", "content-length", "connection"].includes(name),
      ),
    ) as Record<string, string>;
    const answer = await fetch(`${sb.url}${req.url}`, {
      method: req.method ?? "GET",
      headers,
      ...(chunks.length > 0 && { body: Buffer.concat(chunks) }),
    }).catch(() => undefined); // the sandbox closing under a background call
    if (!answer) return res.writeHead(502).end();
    let body = await answer.text();
    const isList = req.method === "GET" && /^\/api\/v1\/activations(\?|$)/.test(req.url ?? "");
    if (isList && answer.ok) {
      const page = JSON.parse(body) as { data: unknown[] };
      body = JSON.stringify({ ...page, data: [...page.data, ...page.data] });
    }
    res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "text/plain" });
    res.end(body);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const port = (proxy.address() as AddressInfo).port;
  gw = await assembleTestGateway(`http://127.0.0.1:${port}/api/v1`, {
    env: { STATUS_CACHE_MS: "0", TRACK_INTERVAL_MS: "0" },
  });
});

afterAll(async () => {
  await gw?.close();
  proxy?.closeAllConnections();
  await new Promise((resolve) => proxy?.close(resolve));
  await sb?.close();
});

describe("an upstream list that repeats ids", () => {
  it("getActiveActivations shows each activation once", async () => {
    const first = await buy(gw, sb.apiKey, "tg", "62");
    const second = await buy(gw, sb.apiKey, "wa", "62");
    const body = JSON.parse(await gw.call({ api_key: sb.apiKey, action: "getActiveActivations" }));
    const ids = (body.activeActivations as { activationId: string }[]).map((a) => a.activationId);
    expect(ids.sort()).toEqual([first.id, second.id].sort());
  });
});
