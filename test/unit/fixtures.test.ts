import { describe, expect, it } from "vitest";
import { loadCountryTable, readFixture } from "../../src/fixtures.js";

describe("country table", () => {
  const table = loadCountryTable();

  it("loads every row of the fixture CSV", () => {
    const rows = readFixture("country-ids.csv").trim().split("\n").length - 1;
    expect(table.all.length).toBe(rows);
  });

  it("follows SMS-Activate numbering, not SMSBulk's TR=187", () => {
    expect(table.parse("0")).toEqual({ id: 0, iso: "RU" });
    expect(table.parse("62")).toEqual({ id: 62, iso: "TR" });
    expect(table.parse("187")).toEqual({ id: 187, iso: "US" });
    expect(table.parse("16")).toEqual({ id: 16, iso: "GB" });
  });

  it("maps 12 and 187 to US and US back to 187", () => {
    expect(table.parse("12")?.iso).toBe("US");
    expect(table.idOfIso("US")).toBe(187);
    expect(table.idOfIso("us")).toBe(187);
  });

  it("accepts ISO codes in any case as an extension", () => {
    expect(table.parse("tr")).toEqual({ id: 62, iso: "TR" });
    expect(table.parse("US")).toEqual({ id: 187, iso: "US" });
  });

  it("refuses unknown ids and junk", () => {
    for (const junk of ["9999", "-1", "6.2", "XX", "turkey", "", "0x3e"])
      expect(table.parse(junk)).toBeUndefined();
  });
});
