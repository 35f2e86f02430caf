import { beforeEach, describe, expect, it } from "vitest";
import { parseAccessNumber, usePair } from "../helpers/gateway.js";
import { startHarness } from "../helpers/harness.js";

/** maxPrice on getNumber/getNumberV2: a fresh price check right before buying (legacy-protocol.md §4). */
const pair = usePair(() =>
  startHarness({
    sandbox: { config: { autoSms: false } },
    gateway: { env: { CATALOG_RATE_PER_S: "1000" } },
  }),
);
beforeEach(async () => {
  await pair.sb.control.setOffer("tg", "TR", { price: "0.50", stock: 100 });
  await pair.sb.control.resetStats();
});

const buy = (action: string, maxPrice: string) =>
  pair.gw.call({ api_key: pair.sb.apiKey, action, service: "tg", country: "62", maxPrice });

describe("maxPrice", () => {
  it.each(["getNumber", "getNumberV2"])(
    "%s: below the price → WRONG_MAX_PRICE:<price>, nothing bought",
    async (action) => {
      expect(await buy(action, "0.49")).toBe("WRONG_MAX_PRICE:0.5");
      expect((await pair.sb.control.stats()).purchases).toBe(0);
      expect((await pair.sb.control.stats()).requests["POST /api/v1/activations"]).toBeUndefined();
    },
  );

  it("equal to the price buys (0.5 and 0.50 alike)", async () => {
    parseAccessNumber(await buy("getNumber", "0.50"));
    const v2 = JSON.parse(await buy("getNumberV2", "0.5"));
    expect(v2.activationCost).toBe("0.50");
    expect((await pair.sb.control.stats()).purchases).toBe(2);
  });

  it("reads the current price, not the cached catalogue", async () => {
    expect(
      JSON.parse(await pair.gw.call({ action: "getPrices", service: "tg", country: "62" }))["62"].tg.cost,
    ).toBe(0.5);
    await pair.sb.control.setOffer("tg", "TR", { price: "0.70" });
    expect(await buy("getNumber", "0.60")).toBe("WRONG_MAX_PRICE:0.7");
    expect((await pair.sb.control.stats()).purchases).toBe(0);
    parseAccessNumber(await buy("getNumber", "0.70"));
    expect((await pair.sb.control.stats()).purchases).toBe(1);
  });

  it("above the price buys; an unparsable maxPrice is ignored like other junk", async () => {
    parseAccessNumber(await buy("getNumber", "3"));
    parseAccessNumber(await buy("getNumber", "cheap"));
    expect((await pair.sb.control.stats()).purchases).toBe(2);
  });
});
