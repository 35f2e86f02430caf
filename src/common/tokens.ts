/** The bare tokens of the legacy protocol (docs/legacy-protocol.md §4, §5). */
export const T = {
  NO_ACTION: "NO_ACTION",
  BAD_ACTION: "BAD_ACTION",
  NO_KEY: "NO_KEY",
  BAD_KEY: "BAD_KEY",
  ERROR_SQL: "ERROR_SQL",
  BAD_SERVICE: "BAD_SERVICE",
  BAD_COUNTRY: "BAD_COUNTRY",
  BAD_STATUS: "BAD_STATUS",
  NO_NUMBERS: "NO_NUMBERS",
  NO_BALANCE: "NO_BALANCE",
  NO_ACTIVATION: "NO_ACTIVATION",
  NO_ACTIVATIONS: "NO_ACTIVATIONS",
  ORDER_ALREADY_EXISTS: "ORDER_ALREADY_EXISTS",
  EARLY_CANCEL_DENIED: "EARLY_CANCEL_DENIED",
  STATUS_WAIT_CODE: "STATUS_WAIT_CODE",
  STATUS_CANCEL: "STATUS_CANCEL",
  ACCESS_READY: "ACCESS_READY",
  ACCESS_RETRY_GET: "ACCESS_RETRY_GET",
  ACCESS_ACTIVATION: "ACCESS_ACTIVATION",
  ACCESS_CANCEL: "ACCESS_CANCEL",
  // email activations (docs/legacy-protocol.md §9): V1 sends them as `{"status":"ERROR","error":…}`,
  // V2 as the `title` of an HTTP error
  BAD_SITE: "BAD_SITE",
  BAD_DOMAIN: "BAD_DOMAIN",
  BAD_BALANCE: "BAD_BALANCE",
  CHANNELS_LIMIT: "CHANNELS_LIMIT",
  MAIL_TYPE_ERROR: "MAIL_TYPE_ERROR",
  /** V2 only: a parameter out of its range (HTTP 422) */
  VALIDATION_ERROR: "VALIDATION_ERROR",
} as const;

/** The words of the tokens that carry a value after `:` (`ACCESS_NUMBER:<id>:<phone>`, `STATUS_OK:<code>`, …). */
export const VALUED = {
  ACCESS_BALANCE: "ACCESS_BALANCE",
  ACCESS_NUMBER: "ACCESS_NUMBER",
  STATUS_OK: "STATUS_OK",
  STATUS_WAIT_RETRY: "STATUS_WAIT_RETRY",
  STATUS_WAIT_RESEND: "STATUS_WAIT_RESEND",
  FULL_SMS: "FULL_SMS",
  WRONG_MAX_PRICE: "WRONG_MAX_PRICE",
  BANNED: "BANNED",
} as const;

/** What a JSON answer is reported as where a token is expected (logs, metrics, the console). */
export const JSON_ANSWER = "JSON";

/** ISO 4217 numeric code of the upstream currency (USD), as legacy JSON answers carry it. */
export const LEGACY_CURRENCY = 840;

/** Values emitted after a `:` must not contain one (clients take `split(':')[1]`). */
export function tokenValue(value: string): string {
  return value.replaceAll(":", "").replaceAll(/[\r\n]/g, " ");
}

export const withValue = (token: string, value: string | number): string =>
  `${token}:${tokenValue(String(value))}`;
