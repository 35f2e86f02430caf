import { T } from "../common/tokens.js";
import { UpstreamError, type UpstreamErrorKind } from "../upstream/errors.js";
import type { ActionGroup } from "./context.js";

type Row = Partial<Record<ActionGroup, string>>;

/**
 * Upstream failure kind × action group → legacy token, in one place (docs/legacy-protocol.md §6b).
 * Conflicts are resolved by re-reading the activation before they get here; what is not listed is
 * the transient `ERROR_SQL` (clients retry it).
 */
const TABLE: Record<UpstreamErrorKind, Row> = {
  unauthorized: { purchase: T.BAD_KEY, activation: T.BAD_KEY, account: T.BAD_KEY, mailbox: T.BAD_KEY },
  insufficient_balance: { purchase: T.NO_BALANCE, mailbox: T.BAD_BALANCE },
  rejected: { purchase: T.BAD_SERVICE, mailbox: T.BAD_DOMAIN },
  not_found: { purchase: T.BAD_SERVICE, activation: T.NO_ACTIVATION, mailbox: T.NO_ACTIVATION },
  conflict: { mailbox: T.BAD_STATUS },
  out_of_stock: { purchase: T.NO_NUMBERS, mailbox: T.CHANNELS_LIMIT },
  rate_limited: {},
  unavailable: {},
  timeout: {},
  invalid_response: {},
};

export function failureToken(err: unknown, group: ActionGroup): string {
  if (!(err instanceof UpstreamError)) return T.ERROR_SQL;
  if (err.kind === "rejected" && group === "purchase" && err.detail.field === "country") return T.BAD_COUNTRY;
  return TABLE[err.kind][group] ?? T.ERROR_SQL;
}

/**
 * Why a request failed, for its log line and `/readyz`: `breaker open`, `rate limited for 3 s`,
 * `upstream 503: …`, `upstream timeout: …` (upstream messages carry no keys).
 */
export function failureCause(err: unknown): string {
  if (!(err instanceof UpstreamError)) return `internal: ${err instanceof Error ? err.message : String(err)}`;
  if (err.detail.breakerOpen) return "breaker open";
  if (err.kind === "rate_limited") {
    return err.detail.retryAfterS === undefined
      ? "rate limited"
      : `rate limited for ${err.detail.retryAfterS} s`;
  }
  const status = err.detail.status === undefined ? err.kind : `${err.detail.status}`;
  return `upstream ${status}: ${err.message}`;
}
