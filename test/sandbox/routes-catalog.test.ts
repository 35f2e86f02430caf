import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Catalog } from "../../src/sandbox/catalog.js";
import {
  countryListSchema,
  errorBodySchema,
  serviceCountriesSchema,
  serviceListSchema,
  serviceSchema,
} from "../../src/upstream/schemas.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

describe("catalogue routes (public)", () => {
  let sb: TestSandbox;
  const catalog = Catalog.load();
  beforeAll(async () => {
    sb = await startTestSandbox();
  });
  afterAll(() => sb.close());

  it("GET /countries lists every country without a key", async () => {
    const res = await sb.api("/countries", { key: null });
    expect(res.status).toBe(200);
    const countries = countryListSchema.parse(res.body);
    expect(countries).toHaveLength(catalog.countries.length);
    expect(countries).toContainEqual({ isoCode: "TR", name: "Turkey", slug: "turkey" });
    expect(res.body.data).toBeInstanceOf(Array);
  });

  it("GET /services lists every service with minPrice and stock summaries", async () => {
    const res = await sb.api("/services", { key: null });
    expect(res.status).toBe(200);
    const services = serviceListSchema.parse(res.body);
    expect(services.length).toBeGreaterThanOrEqual(60);
    const tg = services.find((s) => s.code === "tg");
    expect(tg).toMatchObject({ code: "tg", name: "Telegram", slug: "telegram-verification" });
    expect(tg?.minPrice).toMatch(/^\d+\.\d{2}$/);
    expect(tg?.stock).toBeGreaterThan(0);
  });

  it("GET /services/:code and /services/:slug give the same service", async () => {
    const byCode = await sb.api("/services/wa", { key: null });
    const bySlug = await sb.api("/services/whatsapp-verification", { key: null });
    expect(byCode.status).toBe(200);
    expect(serviceSchema.parse(byCode.body).name).toBe("WhatsApp");
    expect(bySlug.body).toEqual(byCode.body);
  });

  it("GET /services/:code of an unknown service is a 404 JSON error", async () => {
    for (const path of ["/services/nope", "/services/nope/countries"]) {
      const res = await sb.api(path, { key: null });
      expect(res.status).toBe(404);
      expect(errorBodySchema.parse(res.body)).toMatchObject({ statusCode: 404, error: "Not Found" });
    }
  });

  it("GET /services/:code/countries lists only in-stock countries with price, currency, stock, availability", async () => {
    const res = await sb.api("/services/tg/countries", { key: null });
    expect(res.status).toBe(200);
    const offers = serviceCountriesSchema.parse(res.body);
    const expected = catalog.countries.filter((c) => (catalog.offer("tg", c.isoCode)?.stock ?? 0) > 0);
    expect(offers.map((o) => o.isoCode)).toEqual(expected.map((c) => c.isoCode));
    for (const offer of offers) {
      expect(offer.stock).toBeGreaterThan(0);
      expect(offer).toMatchObject({ currency: "USD", availability: "ok" });
      expect(offer.price).toMatch(/^\d+\.\d{2}$/);
    }
    const tr = offers.find((o) => o.isoCode === "TR");
    expect(tr).toMatchObject({ name: "Turkey", slug: "turkey", stock: catalog.offer("tg", "TR")?.stock });
  });

  it("omits a country once its stock is 0", async () => {
    const zero = catalog.services
      .flatMap((s) => catalog.countries.map((c) => ({ s, c, o: catalog.offer(s.code, c.isoCode) })))
      .find((x) => x.o?.stock === 0);
    expect(zero).toBeDefined();
    const res = await sb.api(`/services/${zero!.s.code}/countries`, { key: null });
    expect(res.body.countries.map((o: { isoCode: string }) => o.isoCode)).not.toContain(zero!.c.isoCode);
  });
});
