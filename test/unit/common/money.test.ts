import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { centsToFixed2, centsToPlain, fixed2, toCents } from "../../../src/common/money.js";

describe("money", () => {
  it.each([
    ["0.50", 50],
    ["12", 1200],
    ["12.3", 1230],
    ["0.005", 1],
    ["0.004", 0],
    [".5", 50],
    ["-1.25", -125],
    [0.1, 10],
    [3, 300],
  ] as const)("toCents(%s) = %s", (input, cents) => {
    expect(toCents(input)).toBe(cents);
  });

  it.each(["", "abc", "1,50", "1.2.3", "--1", "."])("rejects %j", (input) => {
    expect(toCents(input)).toBeUndefined();
  });

  it("formats with exactly two decimals", () => {
    expect(fixed2("100")).toBe("100.00");
    expect(fixed2("0.5")).toBe("0.50");
    expect(centsToFixed2(7)).toBe("0.07");
    expect(centsToFixed2(-7)).toBe("-0.07");
  });

  it("prints plain decimals without trailing zeros", () => {
    expect(centsToPlain(50)).toBe("0.5");
    expect(centsToPlain(300)).toBe("3");
    expect(centsToPlain(1000)).toBe("10");
    expect(centsToPlain(1205)).toBe("12.05");
  });

  it("round-trips every cent amount", () => {
    fc.assert(
      fc.property(fc.integer({ min: -10_000_000, max: 10_000_000 }), (cents) => {
        expect(toCents(centsToFixed2(cents))).toBe(cents);
        expect(toCents(centsToPlain(cents))).toBe(cents);
      }),
    );
  });
});
