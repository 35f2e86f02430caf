import type { Logger } from "pino";
import type { RequestScope } from "../request-scope.js";
import { ownerOf } from "../store/owner.js";
import type { GatewayDeps } from "./context.js";
import type { LegacyAnswer } from "./reply.js";
import type { LegacyParams } from "./request.js";
import { ACTIONS } from "./router.js";
import { T } from "./tokens.js";

/**
 * Turns the key a client presented into the upstream key to use: the identity by default; with
 * gateway keys (KEYS_FILE), the mapped upstream key or undefined for an unknown or revoked key.
 */
export type KeyResolver = (presented: string) => string | undefined;

/** Upstream keys are printable ASCII (they travel in an HTTP header); anything else cannot be one. */
const PLAUSIBLE_KEY = /^[\x21-\x7e]{1,256}$/;

export const passThroughKeys: KeyResolver = (presented) =>
  PLAUSIBLE_KEY.test(presented) ? presented : undefined;

export interface LegacyOutcome {
  action: string | undefined;
  answer: LegacyAnswer;
}

/**
 * One legacy request, in the order of legacy-protocol.md §1: action first (NO_ACTION, BAD_ACTION),
 * then the key for actions that need one (NO_KEY, BAD_KEY), then the action. Never throws: an
 * unexpected failure is `ERROR_SQL`.
 */
export async function handleLegacy(
  params: LegacyParams,
  deps: GatewayDeps,
  log: Logger,
  resolveKey: KeyResolver = passThroughKeys,
  scope?: RequestScope,
): Promise<LegacyOutcome> {
  const action = params.get("action");
  if (action === undefined) return { action, answer: T.NO_ACTION };
  const spec = ACTIONS.get(action);
  if (!spec) return { action: "unknown", answer: T.BAD_ACTION };
  const presented = params.get("api_key") ?? "";
  if (spec.needsKey && presented === "") return { action, answer: T.NO_KEY };
  const key = presented === "" ? "" : resolveKey(presented);
  if (key === undefined) return { action, answer: T.BAD_KEY };
  const owner = presented === "" ? "" : ownerOf(presented);
  if (key !== "") deps.keyRing.remember(owner, key);
  try {
    // Upstream calls made through this request's view of the client are counted for its log line.
    const requestDeps = scope ? { ...deps, upstream: deps.upstream.forRequest(scope) } : deps;
    const answer = await spec.handler({ params, key, owner, deps: requestDeps, log });
    return { action, answer };
  } catch (err) {
    log.error({ err: errorSummary(err), action }, "action failed");
    return { action, answer: T.ERROR_SQL };
  }
}

function errorSummary(err: unknown): { message: string; stack?: string | undefined } {
  return err instanceof Error ? { message: err.message, stack: err.stack } : { message: String(err) };
}
