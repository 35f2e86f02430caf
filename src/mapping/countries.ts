/**
 * SMS-Activate country ids ↔ ISO 3166 alpha-2 (docs/legacy-protocol.md §3), from the rows of
 * `fixtures/country-ids.csv` (`id`, `iso2`, `name_en`). 12 ("USA virtual") and 187 both mean US; US maps back to 187.
 */
export interface LegacyCountry {
  id: number;
  iso: string;
  nameEn: string;
}

/** Ids preferred when several share an ISO code. */
const PREFERRED_ID_FOR_ISO: Record<string, number> = { US: 187 };

export class CountryTable {
  readonly all: readonly LegacyCountry[];
  private readonly byId = new Map<number, LegacyCountry>();
  private readonly idByIso = new Map<string, number>();

  constructor(rows: LegacyCountry[]) {
    this.all = rows;
    for (const row of rows) {
      this.byId.set(row.id, row);
      if (!this.idByIso.has(row.iso)) this.idByIso.set(row.iso, row.id);
    }
    for (const [iso, id] of Object.entries(PREFERRED_ID_FOR_ISO)) {
      if (this.byId.has(id)) this.idByIso.set(iso, id);
    }
  }

  static fromRows(rows: readonly Record<string, string>[]): CountryTable {
    return new CountryTable(
      rows.map((r) => ({ id: Number(r.id), iso: (r.iso2 ?? "").toUpperCase(), nameEn: r.name_en ?? "" })),
    );
  }

  byLegacyId(id: number): LegacyCountry | undefined {
    return this.byId.get(id);
  }

  /** The legacy id for an upstream ISO code (US → 187). */
  idOfIso(iso: string): number | undefined {
    return this.idByIso.get(iso.toUpperCase());
  }

  /**
   * A `country` parameter as clients send it: a legacy numeric id, or (extension) an ISO alpha-2
   * code in any case. Returns the legacy id the client meant and the upstream ISO code.
   */
  parse(value: string): { id: number; iso: string } | undefined {
    const text = value.trim();
    if (/^\d{1,4}$/.test(text)) {
      const row = this.byId.get(Number(text));
      return row && { id: row.id, iso: row.iso };
    }
    if (/^[A-Za-z]{2}$/.test(text)) {
      const iso = text.toUpperCase();
      const id = this.idByIso.get(iso);
      return id === undefined ? undefined : { id, iso };
    }
    return undefined;
  }
}
