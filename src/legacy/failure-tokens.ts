import { UpstreamError, type UpstreamErrorKind } from "../upstream/errors.js";
import { T } from "./tokens.js";

/** The kinds of legacy action, as the columns of legacy-protocol.md §6b. */
export type ActionGroup = "purchase" | "activation" | "account" | "catalogue";

type Row = Partial<Record<ActionGroup, string>>;

/**
 * Upstream failure kind × action group → legacy token, in one place (legacy-protocol.md §6b).
 * Conflicts are resolved by re-reading the activation before they get here; what is not listed is
 * the transient `ERROR_SQL` (clients retry it).
 */
const TABLE: Record<UpstreamErrorKind, Row> = {
  unauthorized: { purchase: T.BAD_KEY, activation: T.BAD_KEY, account: T.BAD_KEY },
  insufficient_balance: { purchase: T.NO_BALANCE },
  rejected: { purchase: T.BAD_SERVICE },
  not_found: { purchase: T.BAD_SERVICE, activation: T.NO_ACTIVATION },
  conflict: {},
  out_of_stock: { purchase: T.NO_NUMBERS },
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
