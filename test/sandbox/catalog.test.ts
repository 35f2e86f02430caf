import { describe, expect, it } from "vitest";
import { Catalog } from "../../src/sandbox/catalog.js";
import { parseMoney } from "../../src/sandbox/money.js";

const REQUIRED_SERVICES = "tg wa go ig fb tw ds vk ok mm am lf oi ya wb vi ub ts wx dr".split(" ");

describe("sandbox catalogue fixture", () => {
  const catalog = Catalog.load();

  it("has at least 60 services including the required codes, and at least 40 countries", () => {
    expect(catalog.services.length).toBeGreaterThanOrEqual(60);
    expect(catalog.countries.length).toBeGreaterThanOrEqual(40);
    for (const code of REQUIRED_SERVICES) expect(catalog.findService(code), code).toBeDefined();
    expect(new Set(catalog.services.map((s) => s.code)).size).toBe(catalog.services.length);
    expect(new Set(catalog.services.map((s) => s.slug)).size).toBe(catalog.services.length);
  });

  it("keeps tg, wa and go in stock in RU, ID, GB, TR and US", () => {
    for (const service of ["tg", "wa", "go"]) {
      for (const iso of ["RU", "ID", "GB", "TR", "US"]) {
        expect(catalog.offer(service, iso)?.stock, `${service}/${iso}`).toBeGreaterThan(100);
      }
    }
  });

  it("has realistic USD prices and some pairs out of stock or not offered", () => {
    let outOfStock = 0;
    let absent = 0;
    for (const service of catalog.services) {
      for (const country of catalog.countries) {
        const offer = catalog.offer(service.code, country.isoCode);
        if (!offer) absent++;
        else {
          if (offer.stock === 0) outOfStock++;
          expect(offer.priceCents).toBeGreaterThanOrEqual(parseMoney("0.05"));
          expect(offer.priceCents).toBeLessThanOrEqual(parseMoney("2.50"));
        }
      }
    }
    expect(outOfStock).toBeGreaterThan(10);
    expect(absent).toBeGreaterThan(10);
    expect(catalog.currency).toBe("USD");
  });

  it("uses ISO codes and English names for countries", () => {
    for (const country of catalog.countries) {
      expect(country.isoCode).toMatch(/^[A-Z]{2}$/);
      expect(country.name).toMatch(/^[A-Za-z .'-]+$/);
    }
    expect(catalog.findCountry("TR")?.name).toBe("Turkey");
  });

  it("finds services by code or slug", () => {
    const wa = catalog.findService("wa");
    expect(wa?.name).toBe("WhatsApp");
    expect(catalog.findService(wa!.slug)).toBe(wa);
    expect(catalog.findService("WA")).toBe(wa);
    expect(catalog.findService("nope")).toBeUndefined();
  });
});
