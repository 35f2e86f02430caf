import { isValidPhoneNumber } from "libphonenumber-js/max";
import { describe, expect, it } from "vitest";
import { Catalog } from "../../src/sandbox/catalog.js";
import { isValidMobileFor, randomMobileNumber } from "../../src/sandbox/phone.js";
import { mulberry32 } from "../helpers/random.js";

const seeded = mulberry32;

describe("randomMobileNumber", () => {
  const catalog = Catalog.load();

  it.each(catalog.countries.map((c) => c.isoCode))("gives valid mobile numbers for %s", (iso) => {
    const random = seeded(iso.charCodeAt(0) * 31 + iso.charCodeAt(1));
    const numbers = Array.from({ length: 20 }, () => randomMobileNumber(iso, random));
    for (const digits of numbers) {
      expect(digits).toMatch(/^\d{8,15}$/);
      expect(isValidPhoneNumber(`+${digits}`, iso as never)).toBe(true);
      expect(isValidMobileFor(digits, iso)).toBe(true);
    }
    // Randomized, not the library's example over and over.
    expect(new Set(numbers).size).toBeGreaterThan(10);
  });

  it("avoids numbers reported as taken", () => {
    const random = seeded(7);
    const first = randomMobileNumber("TR", random);
    const second = randomMobileNumber("TR", seeded(7), (d) => d === first);
    expect(second).not.toBe(first);
    expect(isValidMobileFor(second, "TR")).toBe(true);
  });

  it("rejects a country without metadata", () => {
    expect(() => randomMobileNumber("XX", seeded(1))).toThrow(/XX/);
  });

  it("recognises wrong-country numbers as invalid", () => {
    const tr = randomMobileNumber("TR", seeded(3));
    expect(tr.startsWith("90")).toBe(true);
    expect(isValidMobileFor(tr, "RU")).toBe(false);
  });
});
