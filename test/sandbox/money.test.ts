import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatMoney, isMoney, parseMoney } from "../../src/sandbox/money.js";

describe("money", () => {
  it.each([
    ["0", 0],
    ["0.5", 50],
    ["0.50", 50],
    ["12.34", 1234],
    ["100.00", 10000],
    ["-0.50", -50],
    [" 7.1 ", 710],
  ])("parses %j as %d cents", (text, cents) => {
    expect(parseMoney(text)).toBe(cents);
  });

  it.each(["", "abc", "1.234", "1,00", "1e3", ".5", "0x10", "--1", "NaN"])("rejects %j", (text) => {
    expect(() => parseMoney(text)).toThrow(/decimal/);
    expect(isMoney(text)).toBe(false);
  });

  it.each([
    [0, "0.00"],
    [5, "0.05"],
    [50, "0.50"],
    [1234, "12.34"],
    [-50, "-0.50"],
    [-1234, "-12.34"],
  ])("formats %d cents as %j", (cents, text) => {
    expect(formatMoney(cents)).toBe(text);
  });

  it("refuses fractional cents", () => {
    expect(() => formatMoney(0.5)).toThrow(RangeError);
  });

  it("round-trips every amount exactly", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), (cents) => {
        expect(parseMoney(formatMoney(cents))).toBe(cents);
      }),
    );
  });

  it("sums of parsed amounts are exact where floats are not", () => {
    // 0.1 + 0.2 !== 0.3 in floats; in cents it is.
    expect(formatMoney(parseMoney("0.10") + parseMoney("0.20"))).toBe("0.30");
    const many = Array.from({ length: 1000 }, () => parseMoney("0.07")).reduce((a, b) => a + b, 0);
    expect(formatMoney(many)).toBe("70.00");
  });
});
