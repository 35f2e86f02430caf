import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { failRoute, slowRoute } from "../helpers/faults.js";
import { assembleTestGateway, type InProcessGateway } from "../helpers/harness.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";
import { waitFor } from "../helpers/wait.js";

/**
 * The catalogue cache, measured with the sandbox's request counters: warm reads make no upstream
 * call, a cold burst makes one fan-out, outages are served from the stale cache or the saved
 * snapshot, and a cold outage is ERROR_SQL rather than zeros. Gateways run in process.
 */
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});

async function sandbox(): Promise<TestSandbox> {
  const sb = await startTestSandbox();
  open.push(sb);
  return sb;
}

/** How many services the sandbox lists (the look-up's own call is taken off the counters). */
async function serviceCountOf(sb: TestSandbox): Promise<number> {
  const count = (await sb.api("/services", { key: null })).body.data.length;
  await sb.control.resetStats();
  return count;
}

/** Fast fan-outs in tests; each test adds the TTLs it needs. */
async function gateway(sb: TestSandbox | string, env: Record<string, string> = {}, dataDir?: string) {
  const gw = await assembleTestGateway(typeof sb === "string" ? sb : sb.baseUrl, {
    env: { CATALOG_RATE_PER_S: "1000", CATALOG_CONCURRENCY: "16", ...env },
    ...(dataDir && { dataDir }),
  });
  open.push(gw);
  return gw;
}

/** Upstream calls by kind, from the sandbox's counters. */
async function upstreamCalls(sb: TestSandbox) {
  const { requests } = await sb.control.stats();
  let perService = 0;
  let total = 0;
  for (const [route, n] of Object.entries(requests)) {
    if (!route.includes(" /api/v1/")) continue;
    total += n;
    if (/^GET \/api\/v1\/services\/:[^/]+\/countries$/.test(route)) perService += n;
  }
  return {
    total,
    services: requests["GET /api/v1/services"] ?? 0,
    countries: requests["GET /api/v1/countries"] ?? 0,
    perService,
  };
}

/** What one fan-out costs: the service list, the country list and one call per service. */
const oneFanOut = (serviceCount: number) => ({
  services: 1,
  countries: 1,
  perService: serviceCount,
  total: serviceCount + 2,
});

/** One request of every catalogue kind (and alias), none of which may need the upstream when warm. */
const EVERY_KIND: Record<string, string>[] = [
  { action: "getCountries" },
  { action: "getServicesList" },
  { action: "getOperators", country: "62" },
  { action: "getNumbersStatus", country: "0" },
  { action: "getNumbersStatus1", country: "62" },
  { action: "getPrices" },
  { action: "getPrices", service: "tg" },
  { action: "getPrices", country: "12" },
  { action: "getPrices", service: "wa", country: "62" },
  { action: "getTopCountriesByService", service: "tg" },
  { action: "getTopCountriesByServiceRank", service: "wa", freePrice: "true" },
  { action: "getTopCountriesByService" },
];

const isJson = (body: string) => body.startsWith("{");

async function answersOf(gw: InProcessGateway, requests = EVERY_KIND): Promise<string[]> {
  return Promise.all(requests.map((params) => gw.call(params)));
}

describe("warm cache", () => {
  it("after one warm-up, 1,000 catalogue requests of every kind make zero upstream calls", async () => {
    const sb = await sandbox();
    const serviceCount = await serviceCountOf(sb);
    const gw = await gateway(sb, { CATALOG_TTL_S: "600" });
    const warm = await answersOf(gw);
    expect(warm.every(isJson)).toBe(true);
    expect(await upstreamCalls(sb)).toEqual(oneFanOut(serviceCount));

    await sb.control.resetStats();
    for (let sent = 0; sent < 1000; sent += 50) {
      const batch = Array.from({ length: 50 }, (_, i) => EVERY_KIND[(sent + i) % EVERY_KIND.length]!);
      const answers = await answersOf(gw, batch);
      expect(answers.every(isJson)).toBe(true);
    }
    expect((await upstreamCalls(sb)).total).toBe(0);
  });
});

describe("cold cache", () => {
  it("50 concurrent requests make one fan-out: services + 2 upstream calls", async () => {
    const sb = await sandbox();
    const serviceCount = await serviceCountOf(sb);
    const gw = await gateway(sb);
    const burst = Array.from({ length: 50 }, (_, i) => EVERY_KIND[i % EVERY_KIND.length]!);
    const answers = await answersOf(gw, burst);
    expect(answers.every(isJson)).toBe(true);
    expect(await upstreamCalls(sb)).toEqual(oneFanOut(serviceCount));
  });

  it("with the sandbox failing from a cold start: ERROR_SQL, not zeros; getCountries still answers", async () => {
    const sb = await sandbox();
    await failRoute(sb, "*", { error500: 1 });
    const gw = await gateway(sb);
    expect(await gw.call({ action: "getNumbersStatus", country: "0" })).toBe("ERROR_SQL");
    expect(await gw.call({ action: "getNumbersStatus1" })).toBe("ERROR_SQL");
    expect(await gw.call({ action: "getPrices", country: "62" })).toBe("ERROR_SQL");
    expect(await gw.call({ action: "getTopCountriesByService", service: "tg" })).toBe("ERROR_SQL");
    expect(await gw.call({ action: "getServicesList" })).toBe("ERROR_SQL");
    const countries = JSON.parse(await gw.call({ action: "getCountries" }));
    expect(countries["62"]).toMatchObject({ id: 62, eng: "Turkey", visible: 1 });
  });

  it("a cold build slower than CATALOG_COLD_DEADLINE_MS answers ERROR_SQL, then recovers", async () => {
    const sb = await sandbox();
    // every per-service call takes at least 1.5 s: a 200 ms deadline cannot be met, however fast
    await slowRoute(sb, "GET /api/v1/services/:codeOrSlug/countries", 1500);
    const gw = await gateway(sb, { CATALOG_COLD_DEADLINE_MS: "200" });
    expect(await gw.call({ action: "getNumbersStatus", country: "0" })).toBe("ERROR_SQL");
    await sb.control.clearFaults();
    const body = await waitFor(
      "the catalogue built in the background",
      async () => {
        const answer = await gw.call({ action: "getNumbersStatus", country: "0" });
        return answer === "ERROR_SQL" ? undefined : answer;
      },
      { everyMs: 100 },
    );
    expect(JSON.parse(body).vk_0).toMatch(/^\d+$/);
  });

  it("getCountries answers with the sandbox stopped, even never having reached it", async () => {
    const sb = await sandbox();
    const deadUrl = sb.baseUrl;
    await sb.close();
    const gw = await gateway(deadUrl);
    const countries = JSON.parse(await gw.call({ action: "getCountries" }));
    expect(countries["62"].eng).toBe("Turkey");
    expect(countries["187"].eng).toBe("USA");
    expect(countries["62"].rus).not.toBe("");
  });
});

describe("outages", () => {
  it("with the sandbox failing every request, catalogue actions answer from the stale cache", async () => {
    const sb = await sandbox();
    const gw = await gateway(sb, { CATALOG_TTL_S: "1", SERVICES_TTL_S: "1" });
    const good = await answersOf(gw);
    expect(good.every(isJson)).toBe(true);

    await failRoute(sb, "*", { error500: 1 });
    await sb.control.resetStats();
    // Once the 1 s TTL is over (real time), reads try to refresh and fail: every answer meanwhile,
    // and after, is the last good one.
    await waitFor(
      "a refresh attempt after the TTL",
      async () => {
        expect(await answersOf(gw)).toEqual(good);
        return (await upstreamCalls(sb)).total > 0;
      },
      { everyMs: 100 },
    );
    expect(await answersOf(gw)).toEqual(good);
  });

  it("restarted against a stopped sandbox, answers getPrices and getNumbersStatus from the saved catalogue", async () => {
    const sb = await sandbox();
    const dataDir = mkdtempSync(join(tmpdir(), "catalog-restart-"));
    const first = await gateway(sb, {}, dataDir);
    const saved = await answersOf(first);
    expect(saved.every(isJson)).toBe(true);
    await first.close();
    open.splice(open.indexOf(first), 1);
    const deadUrl = sb.baseUrl;
    await sb.close();
    open.splice(open.indexOf(sb), 1);

    const second = await gateway(deadUrl, {}, dataDir);
    expect(await answersOf(second)).toEqual(saved);
    const status = JSON.parse(await second.call({ action: "getNumbersStatus", country: "62" }));
    expect(Number(status.tg_0)).toBeGreaterThan(0);
  });
});
