import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SpawnedGateway, spawnGateway } from "../helpers/process.js";
import { report } from "../helpers/report.js";

/**
 * An upstream (or a proxy in front of it) that answers every call with 600 MB: the gateway, its own
 * process, stays up and answers a token; its peak memory stays far from the answer's size. Before
 * the cap, 300 MB took RSS to 1.35 GB and over 512 MiB the process died (ERR_STRING_TOO_LONG).
 */
const ANSWER_BYTES = 600 * 1024 * 1024;
let upstream: Server;
let sentBytes = 0;
let gw: SpawnedGateway;

beforeAll(async () => {
  upstream = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < ANSWER_BYTES && !res.destroyed) {
        sent += chunk.length;
        sentBytes += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  const port = (upstream.address() as AddressInfo).port;
  gw = await spawnGateway({ UPSTREAM_URL: `http://127.0.0.1:${port}/api/v1` });
});
afterAll(async () => {
  await gw?.stop();
  upstream?.closeAllConnections();
  upstream?.close();
});

/** The process's peak resident memory so far (VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmHWM:\s+(\d+) kB/m);
  return Number(line?.[1]) / 1024;
}

describe("an upstream that answers 600 MB", () => {
  it("is answered with a token, the gateway stays up, its peak RSS ≤ 400 MB", async () => {
    const key = "huge-answer-key-0000000000000000";
    for (const action of ["getBalance", "getStatus", "getNumber"]) {
      const answer = await gw.call({ api_key: key, action, id: "1", service: "tg", country: "0" });
      expect(answer, action).toMatch(/^[A-Z_]+$/);
    }
    expect(await gw.call({ api_key: key, action: "getBalance" })).toBe("ERROR_SQL");
    expect(gw.child.exitCode).toBeNull();
    const peak = peakRssMb(gw.child.pid!);
    report("600 MB upstream answers", { peakRssMb: Math.round(peak), upstreamBytesSentMb: sentBytes >> 20 });
    expect(peak).toBeLessThanOrEqual(400);
  });
});
