import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { CallGate } from "../../../src/catalog/call-gate.js";
import { Catalog, type CatalogSettings, toRows } from "../../../src/catalog/catalog.js";
import { fileSnapshotStore, SNAPSHOT_FILE } from "../../../src/catalog/snapshot-store.js";
import { UpstreamError } from "../../../src/upstream/errors.js";
import type { Offer } from "../../../src/upstream/schemas.js";

const log = pino({ level: "silent" });
const offer = (isoCode: string, price: string, stock: number): Offer => ({
  isoCode,
  price,
  stock,
  availability: "ok",
});

/** A scripted upstream that counts its calls and can fail or hang per route. */
function fakeUpstream() {
  const state = {
    services: [
      { code: "tg", name: "Telegram" },
      { code: "wa", name: "WhatsApp" },
      { code: "go", name: "Google" },
    ],
    countries: ["TR", "US", "RU"],
    offers: new Map<string, Offer[]>([
      ["tg", [offer("TR", "0.50", 120), offer("US", "1.63", 40)]],
      ["wa", [offer("TR", "0.75", 10)]],
      ["go", []],
    ]),
    calls: { services: 0, countries: 0, offers: new Map<string, number>() },
    fail: new Set<string>(), // "services", "countries", or a service code; "*" = everything
    hang: false,
    inFlight: 0,
    maxInFlight: 0,
  };
  const act = async <T>(what: string, value: () => T): Promise<T> => {
    state.inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    try {
      await new Promise((r) => setImmediate(r));
      if (state.hang) await new Promise(() => undefined);
      if (state.fail.has("*") || state.fail.has(what)) throw new UpstreamError("unavailable", `${what} down`);
      return value();
    } finally {
      state.inFlight -= 1;
    }
  };
  const upstream = {
    listServices: () => {
      state.calls.services += 1;
      return act("services", () => state.services.map((s) => ({ ...s })));
    },
    listCountries: () => {
      state.calls.countries += 1;
      return act("countries", () => state.countries.map((isoCode) => ({ isoCode })));
    },
    serviceCountries: (code: string) => {
      state.calls.offers.set(code, (state.calls.offers.get(code) ?? 0) + 1);
      return act(code, () => {
        const rows = state.offers.get(code);
        if (!rows) throw new UpstreamError("not_found", "Service not found");
        return rows.map((o) => ({ ...o }));
      });
    },
  };
  const totalCalls = () =>
    state.calls.services +
    state.calls.countries +
    [...state.calls.offers.values()].reduce((a, b) => a + b, 0);
  return { state, upstream, totalCalls };
}

const SETTINGS: CatalogSettings = {
  pricesTtlMs: 60_000,
  listsTtlMs: 3_600_000,
  concurrency: 8,
  ratePerS: 1000,
  coldDeadlineMs: 5000,
};

function makeCatalog(overrides: Partial<CatalogSettings> = {}, extra: { dataDir?: string } = {}) {
  const fake = fakeUpstream();
  const clock = { t: 1_700_000_000_000 };
  const catalog = new Catalog({
    upstream: fake.upstream,
    settings: { ...SETTINGS, ...overrides },
    log,
    now: () => clock.t,
    snapshots: extra.dataDir ? fileSnapshotStore(join(extra.dataDir, SNAPSHOT_FILE)) : undefined,
  });
  return { ...fake, catalog, clock };
}

/** Lets background refreshes (setImmediate-paced fake calls) finish. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

const stockOf = (view: Awaited<ReturnType<Catalog["view"]>>, code: string, iso: string) =>
  view.offers.get(code)?.find((r) => r.iso === iso)?.stock;

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "catalog-unit-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("Catalog: single-flight and warm reads", () => {
  it("50 concurrent cold reads make one fan-out: services + countries + one call per service", async () => {
    const { catalog, state, totalCalls } = makeCatalog();
    const views = await Promise.all(Array.from({ length: 50 }, () => catalog.view()));
    await settle();
    expect(state.calls.services).toBe(1);
    expect(state.calls.countries).toBe(1);
    expect(Object.fromEntries(state.calls.offers)).toEqual({ tg: 1, wa: 1, go: 1 });
    expect(totalCalls()).toBe(state.services.length + 2);
    for (const view of views) expect(stockOf(view, "tg", "TR")).toBe(120);
  });

  it("within the TTL, 1,000 reads of every kind make no upstream call", async () => {
    const { catalog, clock, totalCalls } = makeCatalog();
    await catalog.view();
    await catalog.visibleCountries();
    await settle();
    const before = totalCalls();
    clock.t += 30_000; // half the TTL: not yet in the refresh-ahead window
    for (let i = 0; i < 1000; i++) {
      await catalog.view(i % 2 ? ["tg"] : undefined);
      await catalog.visibleCountries();
      await catalog.services.has("wa");
    }
    await settle();
    expect(totalCalls()).toBe(before);
  });

  it("keeps at most `concurrency` upstream calls in flight", async () => {
    const { catalog, state } = makeCatalog({ concurrency: 2 });
    for (let i = 0; i < 20; i++) state.offers.set(`s${i}`, [offer("TR", "0.10", 1)]);
    state.services.push(...Array.from({ length: 20 }, (_, i) => ({ code: `s${i}`, name: `S${i}` })));
    await catalog.view();
    expect(state.maxInFlight).toBe(2);
  });

  it("a service gone upstream (404) has no offers rather than failing the matrix", async () => {
    const { catalog, state } = makeCatalog();
    state.services.push({ code: "zz", name: "Gone" });
    const view = await catalog.view();
    expect(view.offers.get("zz")).toEqual([]);
  });
});

describe("Catalog: stale-while-revalidate and stale-if-error", () => {
  it("refreshes in the background shortly before the TTL, answering the current value meanwhile", async () => {
    const { catalog, clock, state } = makeCatalog();
    await catalog.view();
    state.offers.set("tg", [offer("TR", "0.55", 99)]);
    clock.t += 50_000; // inside the last 20 % of the 60 s TTL
    const during = await catalog.view();
    expect(stockOf(during, "tg", "TR")).toBe(120);
    await settle();
    expect(state.calls.offers.get("tg")).toBe(2);
    expect(stockOf(await catalog.view(), "tg", "TR")).toBe(99);
  });

  it("answers a stale value at once and refreshes it behind the answer", async () => {
    const { catalog, clock, state } = makeCatalog();
    await catalog.view();
    state.offers.set("wa", [offer("TR", "0.80", 3)]);
    clock.t += 61_000;
    expect(stockOf(await catalog.view(), "wa", "TR")).toBe(10);
    await settle();
    expect(stockOf(await catalog.view(), "wa", "TR")).toBe(3);
  });

  it("an outage keeps the last good catalogue, and failing refreshes are not retried on every read", async () => {
    const { catalog, clock, state, totalCalls } = makeCatalog();
    const good = await catalog.view();
    await settle();
    state.fail.add("*");
    clock.t += 61_000;
    const stale = await catalog.view();
    await settle();
    expect(stale.offers).toEqual(good.offers);
    const afterFirstFailure = totalCalls();
    for (let i = 0; i < 100; i++) expect((await catalog.view()).offers).toEqual(good.offers);
    await settle();
    expect(totalCalls()).toBe(afterFirstFailure);
    // After the retry pause it tries again, and recovers when the upstream does.
    state.fail.clear();
    state.offers.set("tg", [offer("TR", "0.50", 7)]);
    clock.t += 61_000;
    await catalog.view();
    await settle();
    expect(stockOf(await catalog.view(), "tg", "TR")).toBe(7);
  });

  it("a service whose refresh fails keeps its last good rows while the others move on", async () => {
    const { catalog, clock, state } = makeCatalog();
    await catalog.view();
    state.offers.set("tg", [offer("TR", "0.50", 1)]);
    state.offers.set("wa", [offer("TR", "0.75", 2)]);
    state.fail.add("tg");
    clock.t += 61_000;
    await catalog.view();
    await settle();
    const view = await catalog.view();
    expect(stockOf(view, "tg", "TR")).toBe(120);
    expect(stockOf(view, "wa", "TR")).toBe(2);
  });
});

describe("Catalog: cold failures", () => {
  it("a cold read with the upstream failing rejects with an UpstreamError (no empty matrix)", async () => {
    const { catalog, state } = makeCatalog();
    state.fail.add("*");
    await expect(catalog.view()).rejects.toBeInstanceOf(UpstreamError);
  });

  it("a cold read with one service failing rejects: never a partial matrix", async () => {
    const { catalog, state } = makeCatalog();
    state.fail.add("wa");
    await expect(catalog.view()).rejects.toMatchObject({ kind: "unavailable" });
    expect((await catalog.view(["tg"])).offers.get("tg")).toHaveLength(2);
  });

  it("a cold build that cannot finish within the deadline rejects with a timeout", async () => {
    const { catalog, state } = makeCatalog({ coldDeadlineMs: 100 });
    state.hang = true;
    await expect(catalog.view()).rejects.toMatchObject({ kind: "timeout" });
  });

  it("visibleCountries answers undefined (not an error) when the list was never fetched", async () => {
    const { catalog, state } = makeCatalog({ coldDeadlineMs: 100 });
    state.fail.add("countries");
    expect(await catalog.visibleCountries()).toBeUndefined();
    state.fail.clear();
    expect([...((await catalog.visibleCountries()) ?? [])]).toEqual(["TR", "US", "RU"]);
  });
});

describe("Catalog: the service list decides BAD_SERVICE", () => {
  it("an unknown code refreshes the list once before it is refused", async () => {
    const { catalog, state } = makeCatalog();
    expect(await catalog.services.has("tg")).toBe(true);
    state.services.push({ code: "acz", name: "Claude" });
    expect(await catalog.services.has("acz")).toBe(true);
    expect(state.calls.services).toBe(2);
    expect(await catalog.services.has("nope")).toBe(false);
    expect(state.calls.services).toBe(2); // refreshed moments ago: not again
  });
});

describe("Catalog: snapshot", () => {
  it("saves the last good catalogue and a new instance answers from it with the upstream down", async () => {
    const dataDir = tempDir();
    const first = makeCatalog({}, { dataDir });
    const good = await first.catalog.view();
    await first.catalog.visibleCountries();
    await first.catalog.close();
    expect(readdirSync(dataDir)).toEqual([SNAPSHOT_FILE]); // no temp file left behind

    const second = makeCatalog({}, { dataDir });
    second.state.fail.add("*");
    await second.catalog.load();
    expect((await second.catalog.view()).offers).toEqual(good.offers);
    expect([...((await second.catalog.visibleCountries()) ?? [])]).toEqual(["TR", "US", "RU"]);
    expect(await second.catalog.services.has("wa")).toBe(true);
  });

  it("a snapshot older than the TTL is served and refreshed in the background", async () => {
    const dataDir = tempDir();
    const first = makeCatalog({}, { dataDir });
    await first.catalog.view();
    await first.catalog.close();
    const second = makeCatalog({}, { dataDir });
    second.clock.t += 10 * 60_000;
    second.state.offers.set("tg", [offer("TR", "0.50", 5)]);
    await second.catalog.load();
    expect(stockOf(await second.catalog.view(), "tg", "TR")).toBe(120);
    await settle();
    expect(stockOf(await second.catalog.view(), "tg", "TR")).toBe(5);
  });

  it("an unreadable snapshot leaves the catalogue cold instead of failing start-up", async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, SNAPSHOT_FILE), "{not json");
    const { catalog, state } = makeCatalog({}, { dataDir });
    await catalog.load();
    state.fail.add("*");
    await expect(catalog.view()).rejects.toBeInstanceOf(UpstreamError);
  });

  it("writes the snapshot as JSON it can read back (prices in cents)", async () => {
    const dataDir = tempDir();
    const { catalog } = makeCatalog({}, { dataDir });
    await catalog.view();
    await catalog.flush();
    const saved = JSON.parse(readFileSync(join(dataDir, SNAPSHOT_FILE), "utf8"));
    expect(saved.offers.tg.value).toEqual([
      { iso: "TR", priceCents: 50, stock: 120 },
      { iso: "US", priceCents: 163, stock: 40 },
    ]);
  });
});

describe("toRows", () => {
  it("keeps buyable offers only and reads prices as cents", () => {
    expect(
      toRows([
        offer("tr", "0.50", 3),
        { isoCode: "US", price: "1.2", stock: 0, availability: "ok" },
        { isoCode: "GB", price: "0.90", stock: 5, availability: "unavailable" },
        { isoCode: "DE", price: "abc", stock: 5 },
        { isoCode: "FR", price: "0.3", stock: 2, availability: null },
      ]),
    ).toEqual([
      { iso: "TR", priceCents: 50, stock: 3 },
      { iso: "FR", priceCents: 30, stock: 2 },
    ]);
  });
});

describe("CallGate", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("starts at most ratePerS calls per second", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const gate = new CallGate(100, 10);
    let started = 0;
    const all = Promise.all(
      Array.from({ length: 25 }, () =>
        gate.run(async () => {
          started += 1;
        }),
      ),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toBe(10);
    await vi.advanceTimersByTimeAsync(1000);
    expect(started).toBe(20);
    await vi.advanceTimersByTimeAsync(1000);
    await all;
    expect(started).toBe(25);
  });

  it("keeps a failing call from holding its slot", async () => {
    const gate = new CallGate(1, 1000);
    await expect(gate.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await gate.run(async () => "next")).toBe("next");
  });
});
