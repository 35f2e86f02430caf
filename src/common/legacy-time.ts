/** `2026-11-25T20:31:07Z` → `2026-11-25 20:31:07` (UTC), as legacy answers print times. */
export function legacyTime(iso: string | null | undefined): string {
  const ms = iso ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(ms)) return "";
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}
