import { describe, expect, it } from "vitest";
import type { CatalogView } from "../../../src/catalog/catalog.js";
import { T } from "../../../src/common/tokens.js";
import { loadCountryTable, parseCsv, readFixture } from "../../../src/fixtures.js";
import {
  numbersStatusCodes,
  renderCountries,
  renderNumbersStatus,
  renderOperators,
  renderPrices,
  renderServicesList,
  renderTopCountries,
  renderTopCountriesByService,
} from "../../../src/legacy/catalog-render.js";
import { localNames } from "../../../src/mapping/country-names.js";

const table = loadCountryTable();
const idOfIso = (iso: string) => table.idOfIso(iso);
const view: CatalogView = {
  services: [
    { code: "tg", name: "Telegram" },
    { code: "wa", name: "WhatsApp" },
    { code: "newx", name: "Brand new" },
  ],
  offers: new Map([
    [
      "tg",
      [
        { iso: "TR", priceCents: 50, stock: 120 },
        { iso: "US", priceCents: 163, stock: 40 },
        { iso: "XK", priceCents: 10, stock: 1 }, // no SMS-Activate id: left out
      ],
    ],
    ["wa", [{ iso: "TR", priceCents: 75, stock: 10 }]],
    ["newx", []],
  ]),
};
const fixedKeys = readFixture("legacy-fixed-keys.txt")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));
const legacyCodes = parseCsv(readFixture("service-codes.csv")).map((r) => r.code!);

/** Token words a substring-matching client would misfire on. */
const TOKEN_WORDS = [
  ...Object.values(T),
  "WRONG_MAX_PRICE",
  "ACCESS_NUMBER",
  "ACCESS_BALANCE",
  "STATUS_OK",
  "STATUS_WAIT_RETRY",
  "BANNED",
  "FULL_SMS",
];

describe("renderCountries", () => {
  const json = renderCountries(table.all, new Set(["TR", "US"]), (c) => localNames(c.iso, c.nameEn));

  it("keys every country id, with English from the CSV and Russian/Chinese from the library", () => {
    expect(Object.keys(json)).toHaveLength(table.all.length);
    expect(json["62"]).toEqual({
      id: 62,
      rus: "Турция",
      eng: "Turkey",
      chn: "土耳其",
      visible: 1,
      retry: 1,
      rent: 0,
      multiService: 0,
    });
    expect(json["187"]?.eng).toBe("USA");
    expect(json["187"]?.chn).toBe("美国");
    for (const country of Object.values(json)) {
      expect(country.rus.length).toBeGreaterThan(0);
      expect(country.chn.length).toBeGreaterThan(0);
    }
  });

  it("marks visible the countries the upstream lists, and all of them when that list is unknown", () => {
    expect(json["0"]?.visible).toBe(0);
    expect(json["12"]?.visible).toBe(1); // USA virtual is also US upstream
    const unknown = renderCountries(table.all, undefined, (c) => localNames(c.iso, c.nameEn));
    expect(Object.values(unknown).every((c) => c.visible === 1)).toBe(true);
  });
});

describe("renderNumbersStatus", () => {
  const codes = numbersStatusCodes(view.services, legacyCodes, fixedKeys);
  const json = renderNumbersStatus(view, "TR", codes);

  it("has _0 and _1 for every upstream service, every legacy code and every fixed key", () => {
    for (const key of fixedKeys) expect(json).toHaveProperty([key]);
    for (const code of [...legacyCodes, "newx"]) {
      expect(json).toHaveProperty([`${code}_0`]);
      expect(json).toHaveProperty([`${code}_1`]);
    }
    expect(Object.keys(json)).toHaveLength(codes.length * 2);
  });

  it('counts stock in the country as decimal strings (as the real service sent them), with _1 always "0"', () => {
    expect(json.tg_0).toBe("120");
    expect(json.wa_0).toBe("10");
    expect(json.newx_0).toBe("0");
    expect(json.vk_0).toBe("0");
    expect(renderNumbersStatus(view, "US", codes).tg_0).toBe("40");
    for (const [key, value] of Object.entries(json)) {
      expect(value).toMatch(/^\d+$/);
      if (key.endsWith("_1")) expect(value).toBe("0");
      expect(key).toMatch(/^[a-z0-9]+_[01]$/);
    }
  });

  it('is compact JSON a text-cutting client can read: "go_0":"<n>",', () => {
    const text = JSON.stringify(json);
    expect(text).not.toMatch(/[:,] /);
    expect(text).toMatch(/"go_0":"\d+",/);
  });
});

describe("renderPrices", () => {
  it("without a country: every upstream country by its id, then service", () => {
    expect(renderPrices(view, idOfIso)).toEqual({
      "62": { tg: { cost: 0.5, count: 120 }, wa: { cost: 0.75, count: 10 } },
      "187": { tg: { cost: 1.63, count: 40 } },
    });
  });

  it("with a country: only it, under the id the client used (12 stays 12)", () => {
    expect(renderPrices(view, idOfIso, [{ id: 12, iso: "US" }])).toEqual({
      "12": { tg: { cost: 1.63, count: 40 } },
    });
    expect(renderPrices(view, idOfIso, [{ id: 0, iso: "RU" }])).toEqual({ "0": {} });
  });

  it("with a service (a view of that service only)", () => {
    const one: CatalogView = { ...view, offers: new Map([["wa", view.offers.get("wa")!]]) };
    expect(renderPrices(one, idOfIso)).toEqual({ "62": { wa: { cost: 0.75, count: 10 } } });
    expect(renderPrices(one, idOfIso, [{ id: 62, iso: "TR" }])).toEqual({
      "62": { wa: { cost: 0.75, count: 10 } },
    });
  });
});

describe("renderTopCountries", () => {
  const rows = view.offers.get("tg")!;

  it("keys countries by id", () => {
    expect(renderTopCountries(rows, idOfIso, false)).toEqual({
      "62": { country: 62, count: 120, price: 0.5, retail_price: 0.5 },
      "187": { country: 187, count: 40, price: 1.63, retail_price: 1.63 },
    });
  });

  it("adds freePriceMap with two-decimal price keys when freePrice is asked for", () => {
    expect(renderTopCountries(rows, idOfIso, true)["62"]).toEqual({
      country: 62,
      count: 120,
      price: 0.5,
      retail_price: 0.5,
      freePriceMap: { "0.50": 120 },
    });
  });
});

describe("renderTopCountriesByService", () => {
  it("without a service: one object per service, keyed by code, in the catalogue's order", () => {
    const json = renderTopCountriesByService(view.offers, idOfIso, false);
    expect(Object.keys(json)).toEqual(["tg", "wa", "newx"]);
    expect(json).toEqual({
      tg: {
        "62": { country: 62, count: 120, price: 0.5, retail_price: 0.5 },
        "187": { country: 187, count: 40, price: 1.63, retail_price: 1.63 },
      },
      wa: { "62": { country: 62, count: 10, price: 0.75, retail_price: 0.75 } },
      newx: {},
    });
  });

  it("freePrice adds freePriceMap in every service", () => {
    const json = renderTopCountriesByService(view.offers, idOfIso, true);
    expect(json.wa?.["62"]?.freePriceMap).toEqual({ "0.75": 10 });
    expect(json.tg?.["187"]?.freePriceMap).toEqual({ "1.63": 40 });
  });
});

describe("other catalogue answers", () => {
  it("getServicesList and getOperators shapes", () => {
    expect(renderServicesList(view.services)).toEqual({
      status: "success",
      services: [
        { code: "tg", name: "Telegram" },
        { code: "wa", name: "WhatsApp" },
        { code: "newx", name: "Brand new" },
      ],
    });
    expect(renderOperators(62)).toEqual({ status: "success", countryOperators: { "62": ["any"] } });
  });

  it("no token word appears in any rendered payload", () => {
    const payloads = [
      renderCountries(table.all, undefined, (c) => localNames(c.iso, c.nameEn)),
      renderNumbersStatus(view, "TR", numbersStatusCodes(view.services, legacyCodes, fixedKeys)),
      renderPrices(view, idOfIso),
      renderTopCountries(view.offers.get("tg")!, idOfIso, true),
      renderTopCountriesByService(view.offers, idOfIso, true),
      renderOperators(0),
      renderServicesList(view.services),
    ];
    for (const payload of payloads) {
      const text = JSON.stringify(payload);
      for (const word of TOKEN_WORDS) expect(text).not.toContain(word);
    }
  });
});
