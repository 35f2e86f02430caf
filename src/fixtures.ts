import { readFileSync } from "node:fs";
import { CountryTable } from "./mapping/countries.js";

/** Reads a file from `fixtures/` (the same relative place from `src/` and from `dist/`). */
export function readFixture(name: string): string {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8");
}

/** Rows of a simple CSV with a header line (no quoted commas in our fixtures). */
export function parseCsv(text: string): Record<string, string>[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0);
  const header = (lines.shift() ?? "").split(",").map((h) => h.trim());
  return lines.map((line) => {
    const cells = line.split(",");
    const row: Record<string, string> = {};
    header.forEach((h, i) => {
      // The last column may itself contain commas (notes): keep the rest of the line there.
      row[h] = (i === header.length - 1 ? cells.slice(i).join(",") : (cells[i] ?? "")).trim();
    });
    return row;
  });
}

/** SMS-Activate's country ids (`fixtures/country-ids.csv`). */
export function loadCountryTable(): CountryTable {
  return CountryTable.fromRows(parseCsv(readFixture("country-ids.csv")));
}

/** What getNumbersStatus must always answer for (docs/legacy-protocol.md §4 "Catalogue"). */
export interface LegacyKeyLists {
  /** the codes of `fixtures/service-codes.csv` */
  legacyCodes: string[];
  /** `fixtures/legacy-fixed-keys.txt`: keys old clients index unconditionally */
  fixedKeys: string[];
}

export function loadLegacyKeyLists(): LegacyKeyLists {
  return {
    legacyCodes: parseCsv(readFixture("service-codes.csv")).flatMap((r) => (r.code ? [r.code] : [])),
    fixedKeys: readFixture("legacy-fixed-keys.txt")
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#")),
  };
}
