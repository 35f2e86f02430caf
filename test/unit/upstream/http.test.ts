import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { UpstreamError } from "../../../src/upstream/errors.js";
import { HttpTransport } from "../../../src/upstream/http.js";

/** A server whose every answer is `bytes` of JSON-ish text, streamed; counts what it got to write. */
function endlessServer(bytes: number, opts: { announce?: boolean } = {}) {
  const written = { bytes: 0 };
  const server = createServer((_req, res) => {
    res.writeHead(200, {
      "content-type": "application/json",
      ...(opts.announce && { "content-length": String(bytes) }),
    });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = () => {
      while (written.bytes < bytes && !res.destroyed) {
        written.bytes += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      res.end();
    };
    res.on("close", () => res.destroy());
    pump();
  });
  return { server, written };
}

let server: Server | undefined;
afterEach(() => server?.close());

async function listen(s: Server): Promise<string> {
  server = s;
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

describe("HttpTransport's answer size cap", () => {
  it("abandons a body past maxBodyBytes as it streams in: an invalid, ambiguous answer", async () => {
    const { server: s, written } = endlessServer(600 * 1024 * 1024);
    const http = new HttpTransport(await listen(s), { maxBodyBytes: 256 * 1024 });
    const err = await http
      .send({ method: "POST", path: "/activations", body: {}, timeoutMs: 10_000 })
      .catch((e: unknown) => e);
    http.close();
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ kind: "invalid_response", ambiguous: true });
    expect((err as Error).message).toContain("262144");
    expect(written.bytes).toBeLessThan(64 * 1024 * 1024); // stopped long before 600 MB
  });

  it("refuses an announced oversized body without reading it", async () => {
    const { server: s } = endlessServer(10 * 1024 * 1024, { announce: true });
    const http = new HttpTransport(await listen(s), { maxBodyBytes: 1024 * 1024 });
    await expect(http.send({ method: "GET", path: "/services", timeoutMs: 10_000 })).rejects.toMatchObject({
      kind: "invalid_response",
    });
    http.close();
  });

  it("reads a body up to the cap", async () => {
    const { server: s } = endlessServer(128 * 1024);
    const http = new HttpTransport(await listen(s), { maxBodyBytes: 256 * 1024 });
    const answer = await http.send({ method: "GET", path: "/services", timeoutMs: 10_000 });
    http.close();
    expect(answer.status).toBe(200);
    expect(answer.body.length).toBe(128 * 1024);
  });
});
