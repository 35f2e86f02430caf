import { beforeAll, describe, expect, it } from "vitest";
import { T } from "../../src/common/tokens.js";
import { loadCountryTable, parseCsv, readFixture } from "../../src/fixtures.js";
import { OTHER_UNSUPPORTED_ACTIONS, RENT_ACTIONS } from "../../src/legacy/actions/unsupported.js";
import { usePair } from "../helpers/gateway.js";
import { startHarness } from "../helpers/harness.js";
import type { Json } from "../helpers/sandbox.js";

/**
 * Every catalogue action's answer, without api_key, against the sandbox's numbers. The gateway runs
 * in process (`app.request()`); its catalogue calls to the sandbox are real HTTP.
 */
const pair = usePair(() => startHarness());
/** What the sandbox itself says: service code → ISO → {price, stock}. */
const upstream = new Map<string, Map<string, { price: string; stock: number }>>();
let upstreamServices: { code: string; name: string }[] = [];

beforeAll(async () => {
  upstreamServices = (await pair.sb.api("/services", { key: null })).body.data;
  for (const { code } of upstreamServices) {
    const { countries } = (await pair.sb.api(`/services/${code}/countries`, { key: null })).body;
    upstream.set(code, new Map(countries.map((c: Json) => [c.isoCode, { price: c.price, stock: c.stock }])));
  }
});

const get = (params: Record<string, string>) => pair.gw.call(params);
const getJson = async (params: Record<string, string>): Promise<Json> => {
  const body = await get(params);
  try {
    return JSON.parse(body);
  } catch {
    throw new Error(`expected JSON for ${JSON.stringify(params)}, got ${JSON.stringify(body)}`);
  }
};
const table = loadCountryTable();
const fixedKeys = readFixture("legacy-fixed-keys.txt")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));
const TOKEN_WORDS = [...Object.values(T), "WRONG_MAX_PRICE", "ACCESS_NUMBER", "BANNED", "STATUS_OK"];

/** A JSON body with service names blanked must not contain a token word. */
function expectNoTokenWords(body: Json): void {
  const text = JSON.stringify(body, (k, v) => (k === "name" ? "" : v));
  for (const word of TOKEN_WORDS) expect(text).not.toContain(word);
}

describe("getCountries", () => {
  it("keys every country id with numeric flags; 62 is Turkey and 187 the USA", async () => {
    const json = await getJson({ action: "getCountries" });
    expect(Object.keys(json)).toHaveLength(table.all.length);
    expect(json["62"]).toMatchObject({
      id: 62,
      eng: "Turkey",
      visible: 1,
      retry: 1,
      rent: 0,
      multiService: 0,
    });
    expect(json["62"].rus).toBe("Турция");
    expect(json["62"].chn).toBe("土耳其");
    expect(json["187"]).toMatchObject({ id: 187, eng: "USA" });
    for (const country of Object.values<Json>(json)) {
      expect(country.rus).not.toBe("");
      expect(country.chn).not.toBe("");
      for (const flag of ["visible", "retry", "rent", "multiService"])
        expect(typeof country[flag]).toBe("number");
    }
    expectNoTokenWords(json);
  });

  it("marks visible only the countries the upstream lists", async () => {
    const listed = new Set(
      (await pair.sb.api("/countries", { key: null })).body.data.map((c: Json) => c.isoCode),
    );
    const json = await getJson({ action: "getCountries" });
    for (const country of table.all) expect(json[country.id].visible).toBe(listed.has(country.iso) ? 1 : 0);
  });
});

describe("getServicesList and getOperators", () => {
  it("lists the upstream services", async () => {
    expect(await getJson({ action: "getServicesList", lang: "ru", country: "62" })).toEqual({
      status: "success",
      services: upstreamServices.map(({ code, name }) => ({ code, name })),
    });
  });

  it("answers ['any'] for the country asked (default country when missing)", async () => {
    expect(await getJson({ action: "getOperators", country: "62" })).toEqual({
      status: "success",
      countryOperators: { "62": ["any"] },
    });
    expect(await getJson({ action: "getOperators" })).toEqual({
      status: "success",
      countryOperators: { "0": ["any"] },
    });
    expect(await get({ action: "getOperators", country: "9999" })).toBe("BAD_COUNTRY");
  });
});

describe("getNumbersStatus (and getNumbersStatus1)", () => {
  it("country 0 carries every fixed legacy key with decimal-string values", async () => {
    const json = await getJson({ action: "getNumbersStatus", country: "0" });
    for (const key of fixedKeys) expect(json[key], key).toMatch(/^\d+$/);
    for (const { code } of parseCsv(readFixture("service-codes.csv"))) {
      expect(json[`${code}_0`]).toMatch(/^\d+$/);
      expect(json[`${code}_1`]).toBe("0");
    }
    expectNoTokenWords(json);
  });

  it("counts equal the sandbox's stock in the country; the alias answers the same", async () => {
    const json = await getJson({ action: "getNumbersStatus", country: "62" });
    for (const { code } of upstreamServices) {
      expect(json[`${code}_0`], code).toBe(String(upstream.get(code)?.get("TR")?.stock ?? 0));
      expect(json[`${code}_1`]).toBe("0");
    }
    expect(await getJson({ action: "getNumbersStatus1", country: "62" })).toEqual(json);
    expect(await getJson({ action: "getNumbersStatus", country: "TR", operator: "any" })).toEqual(json);
  });

  it("uses the default country when country is missing; an unknown one is BAD_COUNTRY", async () => {
    expect(await getJson({ action: "getNumbersStatus" })).toEqual(
      await getJson({ action: "getNumbersStatus", country: "0" }),
    );
    expect(await get({ action: "getNumbersStatus", country: "9999" })).toBe("BAD_COUNTRY");
  });
});

describe("getPrices", () => {
  /** The sandbox's catalogue in getPrices shape (country id → service → {cost, count}). */
  function expectedPrices(filter: { service?: string; iso?: string; id?: number } = {}) {
    const out: Record<string, Record<string, { cost: number; count: number }>> = {};
    if (filter.id !== undefined) out[filter.id] = {};
    for (const [code, offers] of upstream) {
      if (filter.service && code !== filter.service) continue;
      for (const [iso, { price, stock }] of offers) {
        if (filter.iso && iso !== filter.iso) continue;
        const id = filter.id ?? table.idOfIso(iso);
        if (id === undefined) continue;
        out[id] ??= {};
        out[id][code] = { cost: Number(price), count: stock };
      }
    }
    return out;
  }

  it("with neither service nor country: the whole matrix, numbers equal to the sandbox's", async () => {
    const json = await getJson({ action: "getPrices" });
    expect(json).toEqual(expectedPrices());
    expect(json["62"].tg).toEqual({
      cost: Number(upstream.get("tg")!.get("TR")!.price),
      count: expect.any(Number),
    });
    expectNoTokenWords(json);
  });

  it("with a service only", async () => {
    expect(await getJson({ action: "getPrices", service: "wa" })).toEqual(expectedPrices({ service: "wa" }));
  });

  it("with a country only, keyed by the id the client asked (12 stays 12; TR is 62)", async () => {
    expect(await getJson({ action: "getPrices", country: "62" })).toEqual(
      expectedPrices({ iso: "TR", id: 62 }),
    );
    const usa = await getJson({ action: "getPrices", country: "12" });
    expect(Object.keys(usa)).toEqual(["12"]);
    expect(usa).toEqual(expectedPrices({ iso: "US", id: 12 }));
    expect(await getJson({ action: "getPrices", country: "TR" })).toEqual(
      expectedPrices({ iso: "TR", id: 62 }),
    );
  });

  it("with both", async () => {
    expect(await getJson({ action: "getPrices", service: "tg", country: "187" })).toEqual({
      "187": {
        tg: {
          cost: Number(upstream.get("tg")!.get("US")!.price),
          count: upstream.get("tg")!.get("US")!.stock,
        },
      },
    });
  });

  it("refuses an unknown service or country", async () => {
    expect(await get({ action: "getPrices", service: "nosuch" })).toBe("BAD_SERVICE");
    expect(await get({ action: "getPrices", country: "9999" })).toBe("BAD_COUNTRY");
  });
});

describe("getTopCountriesByService (and getTopCountriesByServiceRank)", () => {
  it("keys the service's countries by id, with the sandbox's prices and stock", async () => {
    const json = await getJson({ action: "getTopCountriesByService", service: "tg" });
    const tg = upstream.get("tg")!;
    expect(Object.keys(json).length).toBeGreaterThan(0);
    for (const [iso, { price, stock }] of tg) {
      const id = table.idOfIso(iso);
      if (id === undefined) continue;
      expect(json[id]).toEqual({
        country: id,
        count: stock,
        price: Number(price),
        retail_price: Number(price),
      });
    }
    expect(await getJson({ action: "getTopCountriesByServiceRank", service: "tg" })).toEqual(json);
    expectNoTokenWords(json);
  });

  it("adds freePriceMap with freePrice=true", async () => {
    const json = await getJson({ action: "getTopCountriesByService", service: "tg", freePrice: "true" });
    const { price, stock } = upstream.get("tg")!.get("TR")!;
    expect(json["62"].freePriceMap).toEqual({ [price]: stock });
    const plain = await getJson({ action: "getTopCountriesByService", service: "tg", freePrice: "false" });
    expect(plain["62"]).not.toHaveProperty("freePriceMap");
  });

  it("without a service: one such object per service; an unknown service is BAD_SERVICE", async () => {
    const json = await getJson({ action: "getTopCountriesByService" });
    expect(Object.keys(json)).toEqual(upstreamServices.map((s) => s.code));
    expect(json.tg).toEqual(await getJson({ action: "getTopCountriesByService", service: "tg" }));
    expect(await get({ action: "getTopCountriesByService", service: "nosuch" })).toBe("BAD_SERVICE");
  });
});

describe("not offered", () => {
  it("rent actions answer the JSON error; the others BAD_ACTION; no key needed", async () => {
    for (const action of RENT_ACTIONS) {
      expect(await get({ action })).toBe('{"status":"error","message":"BAD_ACTION"}');
    }
    for (const action of OTHER_UNSUPPORTED_ACTIONS)
      expect(await get({ action, api_key: pair.sb.apiKey })).toBe("BAD_ACTION");
    expect(await get({ action: "getPricesVerification" })).toBe("BAD_ACTION");
  });
});
