import countries from "i18n-iso-countries";

/** Russian and Chinese country names from a maintained ISO-3166 library (docs/legacy-protocol.md §3). */
export interface LocalNames {
  rus: string;
  chn: string;
}

/** Names for an ISO alpha-2 code; `fallback` (the English name) where the library has none. */
export function localNames(iso: string, fallback: string): LocalNames {
  return {
    rus: countries.getName(iso, "ru") ?? fallback,
    chn: countries.getName(iso, "zh") ?? fallback,
  };
}
