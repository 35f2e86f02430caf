/**
 * Values that must never be shown or logged, whatever the parameter carrying them is called: a
 * client may send its key as `token=` or `secret=` as well as `api_key=`. A value is secret when it
 * is shaped like a key (24+ characters of [A-Za-z0-9_-] mixing letters and digits) or when
 * `isKnownKey` recognizes it (a key the gateway has seen, compared by its owner hash). Values
 * shorter than any key are not hashed: most parameters (action, id, service, country) stay free.
 */
export type KnownKey = (value: string) => boolean;

export const REDACTED = "[redacted]";

const MIN_KEY_LENGTH = 8;
const KEY_SHAPED = /^(?=[A-Za-z0-9_-]*[A-Za-z])(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{24,}$/;
/** names like api_key, apikey, key, X-Api-Key: dropped, not just masked */
const KEY_NAME = /key/i;

export function isSecretValue(value: string, isKnownKey?: KnownKey): boolean {
  if (value.length < MIN_KEY_LENGTH) return false;
  return KEY_SHAPED.test(value) || (isKnownKey?.(value) ?? false);
}

/** Request parameters as observers may see them: key-named ones dropped, secret values masked. */
export function shownParams(
  params: Iterable<[string, string]>,
  isKnownKey?: KnownKey,
): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const [name, value] of params) {
    if (KEY_NAME.test(name)) continue;
    shown[name] = isSecretValue(value, isKnownKey) ? REDACTED : value;
  }
  return shown;
}

const KEY_IN_URL = /([?&][^=&]*(?:api_key|apikey|key)[^=&]*=)[^&#]*/gi;
const QUERY_VALUE = /([?&][^=&#]*=)([^&#]*)/g;

/** A URL as it may be logged: values of key-named parameters and secret values under any name masked. */
export function scrubUrl(url: string, isKnownKey?: KnownKey): string {
  return url
    .replace(KEY_IN_URL, `$1${REDACTED}`)
    .replace(QUERY_VALUE, (whole, name: string, value: string) =>
      isSecretValue(decoded(value), isKnownKey) ? `${name}${REDACTED}` : whole,
    );
}

function decoded(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, " "));
  } catch {
    return value;
  }
}
