/** Money as integer cents: exact, never float arithmetic. */
export type Cents = number;

const DECIMAL = /^(-)?(\d{1,12})(?:\.(\d{1,2}))?$/;

export class MoneyFormatError extends Error {}

/** Parses "12", "12.3", "12.34", "-0.50" into cents; rejects anything else (including "1.234"). */
export function parseMoney(text: string): Cents {
  const m = DECIMAL.exec(text.trim());
  if (!m) throw new MoneyFormatError(`not a decimal amount with at most 2 decimals: "${text}"`);
  const [, minus, whole, frac = ""] = m;
  const cents = Number(whole) * 100 + Number(frac.padEnd(2, "0"));
  return minus && cents !== 0 ? -cents : cents;
}

export function isMoney(text: string): boolean {
  return DECIMAL.test(text.trim());
}

/** Formats cents as a decimal string with exactly two decimals: 50 → "0.50", -1234 → "-12.34". */
export function formatMoney(cents: Cents): string {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`cents must be a safe integer, got ${cents}`);
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}
