/**
 * Legacy request parameters (docs/legacy-protocol.md §1): query and form body merged, names trimmed,
 * `""`/`undefined`/`null` values dropped before merging, the first duplicate wins within each
 * source and the body wins over the query.
 */
export type LegacyParams = ReadonlyMap<string, string>;

const ABSENT_VALUES = new Set(["", "undefined", "null"]);

/** Parses one `application/x-www-form-urlencoded` string (a query string or a form body). */
export function parseUrlEncoded(input: string): Map<string, string> {
  const out = new Map<string, string>();
  if (input.length === 0) return out;
  for (const [rawName, value] of new URLSearchParams(input)) {
    const name = rawName.trim();
    if (name.length === 0 || ABSENT_VALUES.has(value) || out.has(name)) continue;
    out.set(name, value);
  }
  return out;
}

export function mergeParams(query: Map<string, string>, body?: Map<string, string>): LegacyParams {
  if (!body || body.size === 0) return query;
  const merged = new Map(query);
  for (const [name, value] of body) merged.set(name, value);
  return merged;
}

/** The query string of a request URL, without the `?`. */
export function queryStringOf(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return "";
  const hash = url.indexOf("#", q);
  return hash < 0 ? url.slice(q + 1) : url.slice(q + 1, hash);
}

const TRUE_VALUES = new Set(["1", "true", "True", "TRUE"]);

export function isTrue(value: string | undefined): boolean {
  return value !== undefined && TRUE_VALUES.has(value);
}
