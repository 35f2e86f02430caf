import { copyFileSync, mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SNAPSHOT_FILE } from "../../src/catalog/snapshot-store.js";
import { SandboxCatalogWatch } from "../../src/upstream/sandbox-watch.js";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

/**
 * A rehearsal changes the sandbox's offers (`PUT /sandbox/offers`) and expects the gateway's next
 * catalogue answer to show it, not after CATALOG_TTL_S (120 s here, the default). The gateway
 * watches the sandbox's catalogue version and reloads just the service that changed.
 */
/** the catalogue fan-out without its default pacing (72 services at 20 calls/s) */
const FAST = { CATALOG_RATE_PER_S: "1000" };
const COUNTRIES = "GET /api/v1/services/:codeOrSlug/countries";
let sb: TestSandbox;
let gw: TestGateway;
let second: TestGateway;

beforeAll(async () => {
  sb = await startTestSandbox({ config: { autoSms: false } });
  gw = await startTestGateway({ upstreamUrl: sb.baseUrl, env: FAST });
  second = await startTestGateway({ upstreamUrl: sb.baseUrl, env: FAST });
});
afterAll(async () => {
  await second.close();
  await gw.close();
  await sb.close();
});

const numbersStatus = async (g: TestGateway) =>
  JSON.parse(await g.call({ action: "getNumbersStatus", country: "62" })) as Record<string, number>;
const tgPrice = async (g: TestGateway) =>
  JSON.parse(await g.call({ action: "getPrices", service: "tg", country: "62" })) as Record<
    string,
    Record<string, { cost: number; count: number }>
  >;

describe("sandbox offer changes show at once", () => {
  it("stock 0: the next getNumbersStatus and getPrices show it (both gateways), nothing else refetched", async () => {
    // warm both catalogues (a full fan-out each)
    expect((await numbersStatus(gw)).tg_0).toBe("6761");
    expect((await numbersStatus(second)).tg_0).toBe("6761");
    expect((await tgPrice(gw))["62"]?.tg).toEqual({ cost: 0.6, count: 6761 });
    await sb.control.resetStats();

    expect((await sb.control.setOffer("tg", "TR", { stock: 0 })).status).toBe(200);
    expect((await numbersStatus(gw)).tg_0).toBe("0");
    expect((await numbersStatus(second)).tg_0).toBe("0");
    expect(await tgPrice(gw)).toEqual({ "62": {} });
    expect((await numbersStatus(gw)).wa_0).toBe("7991"); // the others unchanged

    // one reload of tg's offers per gateway, no fan-out
    const { requests } = await sb.control.stats();
    expect(requests[COUNTRIES]).toBe(2);
    expect(requests["GET /api/v1/services"]).toBeUndefined();
  });

  it("a new price and stock show at once too", async () => {
    await sb.control.setOffer("tg", "TR", { price: "0.75", stock: 12 });
    expect((await tgPrice(gw))["62"]?.tg).toEqual({ cost: 0.75, count: 12 });
    expect((await tgPrice(second))["62"]?.tg).toEqual({ cost: 0.75, count: 12 });
    expect((await numbersStatus(second)).tg_0).toBe("12");
  });

  it("a gateway started after the change sees it (its saved catalogue is not trusted for it)", async () => {
    await gw.running.deps.catalog.flush(); // its saved catalogue: wa in TR with 7991
    const dataDir = mkdtempSync(join(tmpdir(), "gw-sync-late-"));
    copyFileSync(join(gw.dataDir, SNAPSHOT_FILE), join(dataDir, SNAPSHOT_FILE));
    await sb.control.setOffer("wa", "TR", { stock: 3 });
    const late = await startTestGateway({ upstreamUrl: sb.baseUrl, dataDir, env: FAST });
    try {
      expect((await numbersStatus(late)).wa_0).toBe("3");
    } finally {
      await late.close();
    }
  });
});

describe("an upstream that is not a sandbox", () => {
  let server: Server;
  let hits: string[];
  beforeAll(async () => {
    hits = [];
    server = createServer((req, res) => {
      hits.push(`${req.method} ${req.url?.replace(/\?.*/, "")}`);
      res.writeHead(404, { "content-type": "application/json" }).end('{"statusCode":404}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("gets one request to the version route and is left alone after its 404", async () => {
    const { port } = server.address() as AddressInfo;
    const watch = new SandboxCatalogWatch({
      upstreamUrl: `http://127.0.0.1:${port}/api/v1`,
      reload: async () => {
        throw new Error("nothing to reload");
      },
      log: pino({ level: "silent" }),
    });
    watch.start();
    await watch.ready;
    await watch.close(); // resolves only once the loop has ended
    expect(hits).toEqual(["GET /sandbox/catalog/version"]);
  });
});
