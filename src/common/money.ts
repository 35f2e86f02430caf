/**
 * Decimal-string money without float arithmetic: upstream sends `"0.50"` (or a number), legacy
 * tokens want exactly two decimals (`ACCESS_BALANCE:12.00`), `WRONG_MAX_PRICE` a plain decimal.
 */
const DECIMAL = /^(-?)(\d*)(?:\.(\d*))?$/;

/** Integer cents, rounded half away from zero; undefined for anything that is not a decimal. */
export function toCents(value: string | number): number | undefined {
  const text = typeof value === "number" ? numberToPlain(value) : value.trim();
  const m = DECIMAL.exec(text);
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) return undefined;
  const sign = m[1] === "-" ? -1 : 1;
  const fraction = `${m[3] ?? ""}000`;
  let cents = Number(m[2] || "0") * 100 + Number(fraction.slice(0, 2));
  if (Number(fraction[2]) >= 5) cents += 1;
  return Number.isSafeInteger(cents) ? sign * cents : undefined;
}

function numberToPlain(n: number): string {
  return Number.isFinite(n) ? n.toFixed(6) : "";
}

/** `1234` → `"12.34"`. */
export function centsToFixed2(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** `"0.50"` → `"0.50"`; `"3"` → `"3.00"`; unparsable → undefined. */
export function fixed2(value: string | number): string | undefined {
  const cents = toCents(value);
  return cents === undefined ? undefined : centsToFixed2(cents);
}

/** `50` cents → `"0.5"`; `300` → `"3"`. */
export function centsToPlain(cents: number): string {
  const [whole, fraction = ""] = centsToFixed2(cents).split(".");
  const trimmed = fraction.replace(/0+$/, "");
  return trimmed ? `${whole}.${trimmed}` : `${whole}`;
}

/** Money as a JSON number for catalogue answers (`{"cost":0.5}`): exact to the cent. */
export function centsToNumber(cents: number): number {
  return Number(centsToFixed2(cents));
}
