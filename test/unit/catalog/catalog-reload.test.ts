import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { Catalog } from "../../../src/catalog/catalog.js";
import { UpstreamError } from "../../../src/upstream/errors.js";
import type { Offer } from "../../../src/upstream/schemas.js";

/**
 * `Catalog.reloadOffers`: the upstream said a service's offers changed (a sandbox's control route),
 * so they are loaded again before it resolves, and a load already in flight (whose answer may
 * predate the change) is made again.
 */
const offer = (isoCode: string, stock: number): Offer => ({
  isoCode,
  price: "0.50",
  stock,
  availability: "ok",
});

function setup() {
  const stock = new Map([
    ["tg", 10],
    ["wa", 20],
  ]);
  const calls = new Map<string, number>();
  let failing = false;
  /** while set, each offers call takes its answer now and waits for this before returning it */
  let hold: Promise<void> | undefined;
  const upstream = {
    listServices: async () => [
      { code: "tg", name: "Telegram" },
      { code: "wa", name: "WhatsApp" },
    ],
    listCountries: async () => [{ isoCode: "TR" }],
    serviceCountries: async (code: string) => {
      calls.set(code, (calls.get(code) ?? 0) + 1);
      if (failing) throw new UpstreamError("unavailable", "down");
      const answer = [offer("TR", stock.get(code)!)];
      if (hold) await hold;
      return answer;
    },
  };
  const clock = { t: 1_700_000_000_000 };
  const catalog = new Catalog({
    upstream,
    settings: {
      pricesTtlMs: 60_000,
      listsTtlMs: 3_600_000,
      concurrency: 8,
      ratePerS: 1000,
      coldDeadlineMs: 5000,
    },
    log: pino({ level: "silent" }),
    now: () => clock.t,
  });
  const stockOf = async (code: string) => (await catalog.view([code])).offers.get(code)?.[0]?.stock;
  return {
    catalog,
    stock,
    calls,
    clock,
    stockOf,
    fail: (on: boolean) => {
      failing = on;
    },
    holdLoads: () => {
      let release!: () => void;
      hold = new Promise((r) => (release = r));
      return () => {
        hold = undefined;
        release();
      };
    },
  };
}

describe("Catalog.reloadOffers", () => {
  it("loads the changed service again at once (within the TTL); the others are not called", async () => {
    const t = setup();
    await t.catalog.view();
    t.stock.set("tg", 0);
    expect(await t.stockOf("tg")).toBe(10); // cached: the TTL alone would show it in a minute
    await t.catalog.reloadOffers(["tg"]);
    expect(await t.stockOf("tg")).toBeUndefined(); // stock 0: no buyable offer
    expect(Object.fromEntries(t.calls)).toEqual({ tg: 2, wa: 1 });
  });

  it("a load in flight when the change is announced is made again, so no later read gets the old answer", async () => {
    const t = setup();
    const release = t.holdLoads();
    const cold = t.catalog.view(["tg"]);
    while (t.calls.get("tg") !== 1) await new Promise((r) => setImmediate(r)); // its load took stock 10, waits
    t.stock.set("tg", 3);
    const reloaded = t.catalog.reloadOffers(["tg"]);
    release();
    await reloaded;
    expect((await cold).offers.get("tg")?.[0]?.stock).toBe(3);
    expect(await t.stockOf("tg")).toBe(3);
    expect(t.calls.get("tg")).toBe(2);
  });

  it("the same for a background refresh in flight (a stale value being refreshed)", async () => {
    const t = setup();
    await t.catalog.view();
    t.clock.t += 61_000; // stale
    const release = t.holdLoads();
    expect(await t.stockOf("tg")).toBe(10); // answered stale, refresh started with the old stock
    t.stock.set("tg", 4);
    const reloaded = t.catalog.reloadOffers(["tg"]);
    release();
    await reloaded;
    expect(await t.stockOf("tg")).toBe(4);
  });

  it('"all" reloads every cached service; a failed reload keeps the last good rows', async () => {
    const t = setup();
    await t.catalog.view();
    t.stock.set("tg", 1);
    t.stock.set("wa", 2);
    await t.catalog.reloadOffers("all");
    expect([await t.stockOf("tg"), await t.stockOf("wa")]).toEqual([1, 2]);

    t.fail(true);
    await t.catalog.reloadOffers(["tg"]);
    expect(await t.stockOf("tg")).toBe(1);
  });

  it("a service never loaded stays cold (nothing to reload)", async () => {
    const t = setup();
    await t.catalog.reloadOffers(["tg"]);
    expect(t.calls.get("tg")).toBeUndefined();
  });
});
