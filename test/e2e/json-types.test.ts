import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerOf } from "../../src/common/owner.js";
import { parseAccessNumber, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

/**
 * Every JSON answer's value types against the table in docs/legacy-protocol.md §4a: the document is
 * the contract, so a change of type (or an undocumented field) is a failing test, not a broken bot.
 */
type Json = Record<string, unknown>;
type TypeName = "string" | "integer" | "number" | "boolean" | "null" | "array" | "object";

interface Row {
  answer: string;
  fields: string[];
  types: Set<TypeName>;
}

const KEYWORDS: TypeName[] = ["array", "object", "string", "integer", "number", "boolean", "null"];

/** "string or `null`" → {string, null}; "array of strings" → {array}; "integer 0/1" → {integer}. */
function typesOf(cell: string): Set<TypeName> {
  const out = new Set<TypeName>();
  for (const alternative of cell.split(/\s+or\s+/)) {
    const first = KEYWORDS.map((k) => [k, alternative.search(new RegExp(`\\b${k}`))] as const)
      .filter(([, at]) => at >= 0)
      .sort((a, b) => a[1] - b[1])[0];
    if (first) out.add(first[0]);
  }
  return out;
}

function documentedRows(): Row[] {
  const doc = readFileSync(new URL("../../docs/legacy-protocol.md", import.meta.url), "utf8");
  const section = doc.slice(doc.indexOf("## 4a."), doc.indexOf("## 5."));
  return section
    .split("\n")
    .filter((line) => line.startsWith("| ") && !line.startsWith("| answer") && !line.startsWith("|---"))
    .map((line) => {
      const [answer = "", field = "", type = ""] = line
        .split(" | ")
        .map((c) => c.replace(/^\|\s*/, "").trim());
      const fields = [...field.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      return { answer, fields, types: typesOf(type) };
    });
}

function typeOf(value: unknown): TypeName {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value as TypeName;
}

/** `integer` is also a `number`. */
const fits = (value: unknown, types: Set<TypeName>) =>
  types.has(typeOf(value)) || (typeOf(value) === "integer" && types.has("number"));

let sb: TestSandbox;
let gw: TestGateway;
const captured: Record<string, Json[]> = {};

beforeAll(async () => {
  sb = await startTestSandbox({ config: { autoSms: false, cancelCooldownS: 0 } });
  gw = await startTestGateway({
    upstreamUrl: sb.baseUrl,
    env: { STATUS_CACHE_MS: "0", TRACK_INTERVAL_MS: "0", CATALOG_RATE_PER_S: "1000" },
  });
  const call = (params: Record<string, string>) => gw.call({ api_key: sb.apiKey, ...params });
  const json = async (params: Record<string, string>) => JSON.parse(await call(params));

  const v2 = await json({ action: "getNumberV2", service: "tg", country: "62" });
  const { id } = parseAccessNumber(await call({ action: "getNumber", service: "wa", country: "62" }));
  const waiting = await json({ action: "getStatusV2", id });
  const record = await gw.running.deps.ids.resolve(Number(id), ownerOf(sb.apiKey));
  await sb.control.deliverSms({ activationId: record!.upstreamId }, "Your WhatsApp code is 123456");
  const received = await json({ action: "getStatusV2", id });
  const active = await json({ action: "getActiveActivations" });
  const history = await json({ action: "getHistory" });
  const prices = await json({ action: "getPrices", country: "62" });
  const top = await json({ action: "getTopCountriesByService", service: "tg", freePrice: "true" });

  Object.assign(captured, {
    getNumberV2: [v2],
    getStatusV2: [waiting, received],
    getActiveActivations: [active],
    item: active.activeActivations,
    "getHistory item": history,
    "getCountries entry": Object.values(await json({ action: "getCountries" })),
    getServicesList: [await json({ action: "getServicesList" })],
    getOperators: [await json({ action: "getOperators", country: "62" })],
    getNumbersStatus: [await json({ action: "getNumbersStatus", country: "62" })],
    // getPrices' rows name the offer objects' fields, and `<country id>` the per-country objects
    getPrices: Object.values(prices as Record<string, Json>).flatMap((byService) => Object.values(byService)),
    "getPrices <country id>": Object.values(prices),
    getTopCountriesByService: Object.values(top),
    "rent actions": [await json({ action: "getRentNumber" })],
  });
});
afterAll(async () => {
  await gw?.close();
  await sb?.close();
});

/** The values a row speaks of, from the captured answers. */
function valuesFor(row: Row, field: string): unknown[] {
  if (row.answer === "getNumbersStatus") return captured.getNumbersStatus!.flatMap((o) => Object.values(o));
  if (field === "<service>") return captured.getPrices!;
  if (field.startsWith("<country id>")) {
    return row.answer === "getPrices"
      ? captured["getPrices <country id>"]!
      : captured.getTopCountriesByService!;
  }
  const objects = captured[row.answer];
  if (!objects) throw new Error(`no captured answer for "${row.answer}"`);
  return objects.flatMap((o) => {
    let value: unknown = o;
    for (const part of field.split(".")) value = value === null ? undefined : (value as Json)?.[part];
    return value === undefined && field.includes(".") ? [] : [value]; // sms.* only where sms is set
  });
}

describe("JSON answers carry the value types of docs/legacy-protocol.md §4a", () => {
  const rows = documentedRows();

  it("the table covers every JSON action", () => {
    const answers = new Set(rows.map((r) => r.answer));
    for (const answer of Object.keys(captured).filter((a) => a !== "getPrices <country id>"))
      expect(answers, answer).toContain(answer);
    expect(rows.length).toBeGreaterThan(40);
  });

  it("every documented field has its documented type in a real answer", () => {
    let checked = 0;
    for (const row of rows) {
      expect(row.types.size, `no type for ${row.answer} ${row.fields.join(",")}`).toBeGreaterThan(0);
      for (const field of row.fields) {
        const values = valuesFor(row, field);
        expect(values.length, `${row.answer}.${field}: no value captured`).toBeGreaterThan(0);
        for (const value of values) {
          expect(
            fits(value, row.types),
            `${row.answer}.${field} = ${JSON.stringify(value)}, documented ${[...row.types]}`,
          ).toBe(true);
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it("no answer carries a field the table does not document", () => {
    const documented = new Map<string, Set<string>>();
    for (const row of rows) {
      const set = documented.get(row.answer) ?? new Set();
      for (const field of row.fields) set.add(field.split(".")[0]!);
      documented.set(row.answer, set);
    }
    for (const answer of [
      "getNumberV2",
      "getStatusV2",
      "getActiveActivations",
      "item",
      "getHistory item",
      "getCountries entry",
      "getServicesList",
      "getOperators",
      "getPrices",
      "getTopCountriesByService",
      "rent actions",
    ]) {
      for (const object of captured[answer]!) {
        for (const key of Object.keys(object))
          expect(documented.get(answer), `${answer}.${key}`).toContain(key);
      }
    }
  });

  it("getNumbersStatus counts are decimal strings in compact JSON", async () => {
    const body = await gw.call({ action: "getNumbersStatus", country: "62" });
    expect(body).toMatch(/"go_0":"\d+",/);
    expect(body).not.toMatch(/[:,] /);
  });
});
