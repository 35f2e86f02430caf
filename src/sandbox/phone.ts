import type { CountryCode } from "libphonenumber-js/max";
import {
  getCountryCallingCode,
  getExampleNumber,
  isSupportedCountry,
  parsePhoneNumberFromString,
} from "libphonenumber-js/max";
import examples from "libphonenumber-js/mobile/examples";

/** How many leading national digits of the example number we keep: they carry the mobile prefix. */
const KEPT_PREFIX_DIGITS = [3, 4, 5, 2];
const ATTEMPTS_PER_PREFIX = 40;

export class UnsupportedCountryError extends Error {}

/** True when libphonenumber-js (full metadata) accepts `digits` (country code included, no '+') as a mobile number of `iso`. */
export function isValidMobileFor(digits: string, iso: string): boolean {
  const parsed = parsePhoneNumberFromString(`+${digits}`);
  if (!parsed?.isValid() || parsed.country !== iso) return false;
  const type = parsed.getType();
  return type === "MOBILE" || type === "FIXED_LINE_OR_MOBILE";
}

/**
 * A random, valid mobile number for `iso` as digits with the country code and no '+'.
 * Starts from libphonenumber's example mobile number, keeps its prefix and randomizes the subscriber digits.
 */
export function randomMobileNumber(
  iso: string,
  random: () => number,
  isTaken: (digits: string) => boolean = () => false,
): string {
  if (!isSupportedCountry(iso)) throw new UnsupportedCountryError(`no phone metadata for ${iso}`);
  const country = iso as CountryCode;
  const example = getExampleNumber(country, examples);
  if (!example) throw new UnsupportedCountryError(`no example mobile number for ${iso}`);
  const callingCode = getCountryCallingCode(country);
  const national = example.nationalNumber as string;

  for (const keep of KEPT_PREFIX_DIGITS) {
    const prefix = national.slice(0, Math.min(keep, national.length - 2));
    for (let attempt = 0; attempt < ATTEMPTS_PER_PREFIX; attempt++) {
      let rest = "";
      while (prefix.length + rest.length < national.length) rest += Math.floor(random() * 10).toString();
      const digits = `${callingCode}${prefix}${rest}`;
      if (isValidMobileFor(digits, iso) && !isTaken(digits)) return digits;
    }
  }
  return `${callingCode}${national}`;
}
