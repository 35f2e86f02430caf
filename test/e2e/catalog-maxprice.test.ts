import { beforeEach, describe, expect, it } from "vitest";
import { parseAccessNumber, usePair } from "../helpers/gateway.js";
import { startHarness } from "../helpers/harness.js";

/** maxPrice on getNumber/getNumberV2: a fresh price check right before buying (docs/legacy-protocol.md §4). */
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
    await waitOutFreshReads();
    expect(await buy("getNumber", "0.60")).toBe("WRONG_MAX_PRICE:0.7");
    expect((await pair.sb.control.stats()).purchases).toBe(0);
    parseAccessNumber(await buy("getNumber", "0.70"));
    expect((await pair.sb.control.stats()).purchases).toBe(1);
    await pair.sb.control.setOffer("tg", "TR", { price: "0.50" }); // as the other tests expect it
    await waitOutFreshReads();
  });

  it("above the price buys", async () => {
    parseAccessNumber(await buy("getNumber", "3"));
    parseAccessNumber(await buy("getNumber", ".5"));
    parseAccessNumber(await buy("getNumber", "0.5000"));
    expect((await pair.sb.control.stats()).purchases).toBe(3);
  });

  it("truncates to the cent: 0.499 does not allow 0.50", async () => {
    expect(await buy("getNumber", "0.499")).toBe("WRONG_MAX_PRICE:0.5");
    expect((await pair.sb.control.stats()).purchases).toBe(0);
  });

  // A bot's typo in its price setting must not spend the money it meant to protect.
  it.each([
    ["a word", "cheap"],
    ["a negative number", "-1"],
    ["an exponent", "1e9"],
    ["a decimal comma", "1,5"],
    ["a blank", " "],
    ["a sign", "+1"],
    ["hex", "0x10"],
    ["two points", "1.2.3"],
  ])("%s (%j) is refused with the current price, nothing bought, in both actions", async (_, maxPrice) => {
    for (const action of ["getNumber", "getNumberV2"])
      expect(await buy(action, maxPrice)).toBe("WRONG_MAX_PRICE:0.5");
    expect((await pair.sb.control.stats()).purchases).toBe(0);
  });

  it("repeated: the first occurrence is the one read, a malformed first one refuses", async () => {
    const twice = async (first: string, second: string) =>
      (
        await pair.gw.fetch(
          `/stubs/handler_api.php?api_key=${pair.sb.apiKey}&action=getNumber&service=tg&country=62&maxPrice=${first}&maxPrice=${second}`,
        )
      ).text();
    expect(await twice("abc", "1")).toBe("WRONG_MAX_PRICE:0.5");
    expect(await twice("0.1", "1")).toBe("WRONG_MAX_PRICE:0.5");
    parseAccessNumber(await twice("1", "abc"));
    expect((await pair.sb.control.stats()).purchases).toBe(1);
  });

  it("empty means not given (clients send empty values for unset options, docs/legacy-protocol.md §1): no cap", async () => {
    parseAccessNumber(await buy("getNumber", ""));
    expect((await pair.sb.control.stats()).purchases).toBe(1);
  });

  it("an unknown key gets BAD_KEY, never a price", async () => {
    const unknown = "f".repeat(32);
    for (const maxPrice of ["0.1", "abc"]) {
      const answer = await pair.gw.call({
        api_key: unknown,
        action: "getNumber",
        service: "tg",
        country: "62",
        maxPrice,
      });
      expect(answer).toBe("BAD_KEY");
    }
  });

  it("a burst of price checks for one service makes one upstream price read", async () => {
    await waitOutFreshReads();
    await pair.sb.control.resetStats();
    const answers = await Promise.all(Array.from({ length: 20 }, () => buy("getNumber", "0.1")));
    expect(new Set(answers)).toEqual(new Set(["WRONG_MAX_PRICE:0.5"]));
    const reads = (await pair.sb.control.stats()).requests["GET /api/v1/services/:codeOrSlug/countries"];
    expect(reads).toBe(1);
  });
});

/** The price check reuses a read for up to a second: let it lapse (fresh reads are the subject here). */
function waitOutFreshReads() {
  return new Promise((r) => setTimeout(r, 1100));
}
