import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "./stack.js";

/** The compiled CLI against endpoints that misbehave: each run ends within --timeout, exit 1, report printed. */

const KEY = "Zq7xSecretHostileKey_only4this";
const servers: http.Server[] = [];

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/stubs/handler_api.php`;
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function timedRun(endpoint: string, timeoutS: number) {
  const started = Date.now();
  const out = await runCli([
    "--endpoint",
    endpoint,
    "--key",
    KEY,
    "--timeout",
    String(timeoutS),
    "--wait",
    "1",
  ]);
  return { ...out, ms: Date.now() - started };
}

describe("conformance against hostile endpoints", () => {
  it("an endpoint answering ACCESS_NUMBER to everything: ends, one purchase settled, report and Spent line", async () => {
    const endpoint = await serve((_req, res) => res.end("ACCESS_NUMBER:1:79990000000"));
    const out = await timedRun(endpoint, 4);
    expect(out.code).toBe(1);
    expect(out.ms).toBeLessThan(15_000);
    expect(out.stdout).toMatch(/Spent/);
  }, 30_000);

  it("a body dripping one byte every 2 s: the request's total deadline ends it", async () => {
    const timers: NodeJS.Timeout[] = [];
    const endpoint = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      timers.push(setInterval(() => res.write("A"), 2000));
    });
    try {
      const out = await timedRun(endpoint, 3);
      expect(out.code).toBe(1);
      expect(out.ms).toBeLessThan(12_000);
      expect(out.stdout).not.toBe("");
    } finally {
      for (const t of timers) clearInterval(t);
    }
  }, 30_000);

  it("an endless body: abandoned at the cap, the run ends", async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    const endpoint = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.on("error", () => {});
      const pump = () => {
        while (!res.destroyed) if (!res.write(chunk)) return void res.once("drain", pump);
      };
      pump();
    });
    const out = await timedRun(endpoint, 5);
    expect(out.code).toBe(1);
    expect(out.ms).toBeLessThan(15_000);
    expect(out.stdout).not.toBe("");
  }, 30_000);
});
