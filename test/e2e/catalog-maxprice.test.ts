import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Pair, parseAccessNumber } from "../helpers/gateway.js";
import { type InProcessGateway, startHarness } from "../helpers/harness.js";
import type { TestSandbox } from "../helpers/sandbox.js";

/** maxPrice on getNumber/getNumberV2: a fresh price check right before buying (legacy-protocol.md §4). */
let pair: Pair<InProcessGateway>;
let sb: TestSandbox;
let gw: InProcessGateway;

beforeAll(async () => {
  pair = await startHarness({
    sandbox: { config: { autoSms: false } },
    gateway: { env: { CATALOG_RATE_PER_S: "1000" } },
  });
  ({ sb, gw } = pair);
});
beforeEach(async () => {
  await sb.control.setOffer("tg", "TR", { price: "0.50", stock: 100 });
  await sb.control.resetStats();
});
afterAll(async () => {
  await pair.close();
});

const buy = (action: string, maxPrice: string) =>
  gw.call({ api_key: sb.apiKey, action, service: "tg", country: "62", maxPrice });

describe("maxPrice", () => {
  it.each(["getNumber", "getNumberV2"])(
    "%s: below the price → WRONG_MAX_PRICE:<price>, nothing bought",
    async (action) => {
      expect(await buy(action, "0.49")).toBe("WRONG_MAX_PRICE:0.5");
      expect((await sb.control.stats()).purchases).toBe(0);
      expect((await sb.control.stats()).requests["POST /api/v1/activations"]).toBeUndefined();
    },
  );

  it("equal to the price buys (0.5 and 0.50 alike)", async () => {
    parseAccessNumber(await buy("getNumber", "0.50"));
    const v2 = JSON.parse(await buy("getNumberV2", "0.5"));
    expect(v2.activationCost).toBe("0.50");
    expect((await sb.control.stats()).purchases).toBe(2);
  });

  it("reads the current price, not the cached catalogue", async () => {
    expect(
      JSON.parse(await gw.call({ action: "getPrices", service: "tg", country: "62" }))["62"].tg.cost,
    ).toBe(0.5);
    await sb.control.setOffer("tg", "TR", { price: "0.70" });
    expect(await buy("getNumber", "0.60")).toBe("WRONG_MAX_PRICE:0.7");
    expect((await sb.control.stats()).purchases).toBe(0);
    parseAccessNumber(await buy("getNumber", "0.70"));
    expect((await sb.control.stats()).purchases).toBe(1);
  });

  it("above the price buys; an unparsable maxPrice is ignored like other junk", async () => {
    parseAccessNumber(await buy("getNumber", "3"));
    parseAccessNumber(await buy("getNumber", "cheap"));
    expect((await sb.control.stats()).purchases).toBe(2);
  });
});
