import { describe, expect, it } from "vitest";
import {
  hasLimits,
  type LimitReason,
  limitBroken,
  parseLimitArgs,
  remainingCents,
  type SpendLimits,
  type SpendUsage,
} from "../../../src/common/spend-limits.js";

const unused = { todayCents: 0, totalCents: 0, live: 0, lastMinute: 0 };
const tgIn62 = { service: "tg", countryId: 62, priceCents: 50 };

describe("limitBroken", () => {
  it("lets a purchase within every limit go ahead, and one at exactly the limit", () => {
    const limits = { dailyCents: 500, totalCents: 1000, maxPriceCents: 50, maxLive: 2, perMinute: 3 };
    expect(limitBroken(limits, tgIn62, unused)).toBeUndefined();
    expect(limitBroken(limits, tgIn62, { ...unused, todayCents: 450 })).toBeUndefined();
  });

  it.each<[SpendLimits, Partial<SpendUsage>, LimitReason]>([
    [{ dailyCents: 500 }, { todayCents: 451 }, "daily"],
    [{ totalCents: 500 }, { totalCents: 451 }, "total"],
    [{ maxPriceCents: 49 }, {}, "max_price"],
    [{ services: ["wa"] }, {}, "service"],
    [{ countries: [0, 12] }, {}, "country"],
    [{ maxLive: 2 }, { live: 2 }, "live"],
    [{ perMinute: 3 }, { lastMinute: 3 }, "rate"],
  ])("%o with usage %o → %s", (limits, usage, reason) => {
    expect(limitBroken(limits, tgIn62, { ...unused, ...usage })).toBe(reason);
  });

  it("a country limit does not refuse a mailbox, which has no country", () => {
    expect(
      limitBroken({ countries: [0] }, { service: "telegram.com", priceCents: 4 }, unused),
    ).toBeUndefined();
  });
});

describe("remainingCents", () => {
  it("is the smaller of what is left today and in total, never below 0, undefined without money limits", () => {
    expect(
      remainingCents({ dailyCents: 500, totalCents: 2000 }, { ...unused, todayCents: 100, totalCents: 1800 }),
    ).toBe(200);
    expect(remainingCents({ dailyCents: 500 }, { ...unused, todayCents: 700 })).toBe(0);
    expect(remainingCents({ maxLive: 3 }, unused)).toBeUndefined();
  });
});

describe("parseLimitArgs", () => {
  it("reads every flag into cents, lists and counts", () => {
    expect(
      parseLimitArgs({
        daily: "5",
        total: "100.50",
        maxPrice: "0.9",
        services: "tg, wa",
        countries: "0,62",
        maxLive: "10",
        rate: "30",
      }),
    ).toEqual({
      dailyCents: 500,
      totalCents: 10050,
      maxPriceCents: 90,
      services: ["tg", "wa"],
      countries: [0, 62],
      maxLive: 10,
      perMinute: 30,
    });
    expect(parseLimitArgs({})).toEqual({});
    expect(hasLimits(parseLimitArgs({}))).toBe(false);
    expect(hasLimits(parseLimitArgs({ rate: "1" }))).toBe(true);
  });

  it.each([
    [{ daily: "-5" }, /--daily/],
    [{ daily: "five" }, /--daily/],
    [{ total: "1.234" }, /--total/],
    [{ maxLive: "0" }, /--max-live/],
    [{ rate: "2.5" }, /--rate/],
    [{ services: "," }, /--services/],
    [{ countries: "ru" }, /--countries/],
  ])("%o is refused naming its flag", (args, message) => {
    expect(() => parseLimitArgs(args)).toThrow(message);
  });
});
