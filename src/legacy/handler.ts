import type { Logger } from "pino";
import type { RequestScope } from "../common/request-scope.js";
import type { SpendLimits } from "../common/spend-limits.js";
import { T } from "../common/tokens.js";
import { type KeyResolver, passThroughKeys } from "../keys/resolver.js";
import { UpstreamError } from "../upstream/errors.js";
import type { ActionSpec, GatewayDeps } from "./context.js";
import { failureCause, failureToken } from "./failure-tokens.js";
import type { LegacyAnswer } from "./reply.js";
import type { LegacyParams } from "./request.js";

export interface LegacyOutcome {
  action: string | undefined;
  answer: LegacyAnswer;
  /** hash of the presented key, once it was read ("" without one) */
  owner?: string | undefined;
}

export interface LegacyHandlerOptions {
  deps: GatewayDeps;
  /** action name → spec (`legacy/router.ts`) */
  actions: ReadonlyMap<string, ActionSpec>;
  resolveKey?: KeyResolver | undefined;
  /** a presented key's spend limits (KEYS_FILE entry, or the settings for every upstream key) */
  limitsOf?: ((presented: string) => SpendLimits | undefined) | undefined;
  /** hash of a presented key (memoized in production) */
  ownerOf: (key: string) => string;
}

/**
 * One legacy request, in the order of docs/legacy-protocol.md §1: action first (NO_ACTION,
 * BAD_ACTION), then the key for actions that need one (NO_KEY, BAD_KEY), then the action. Never
 * throws. This is the one place where an upstream failure becomes a token (the failure table, by
 * the action's group); anything else unexpected is `ERROR_SQL`, logged with its stack.
 */
export async function handleLegacy(
  params: LegacyParams,
  opts: LegacyHandlerOptions,
  log: Logger,
  scope?: RequestScope,
): Promise<LegacyOutcome> {
  const action = params.get("action");
  if (action === undefined) return { action, answer: T.NO_ACTION };
  const spec = opts.actions.get(action);
  if (!spec) return { action: "unknown", answer: T.BAD_ACTION };
  const outcome = await handleAction(action, spec, params, opts, log, scope);
  const { refusal } = spec;
  return refusal && typeof outcome.answer === "string"
    ? { ...outcome, answer: refusal(outcome.answer) }
    : outcome;
}

async function handleAction(
  action: string,
  spec: ActionSpec,
  params: LegacyParams,
  opts: LegacyHandlerOptions,
  log: Logger,
  scope?: RequestScope,
): Promise<LegacyOutcome> {
  const { deps } = opts;
  const presented = params.get("api_key") ?? "";
  if (spec.needsKey && presented === "") return { action, answer: T.NO_KEY };
  const key = presented === "" ? "" : (opts.resolveKey ?? passThroughKeys)(presented);
  if (key === undefined) return { action, answer: T.BAD_KEY };
  const owner = presented === "" ? "" : opts.ownerOf(presented);
  if (key !== "") deps.keyRing.remember(owner, key);
  // Upstream calls made through this request's view of the client are recorded for its log line.
  const requestDeps = scope ? { ...deps, upstream: deps.upstream.forRequest(scope) } : deps;
  try {
    const presentedUpstreamKey = key !== "" && key === presented;
    const limits = presented === "" ? undefined : opts.limitsOf?.(presented);
    const ctx = { params, key, owner, presentedUpstreamKey, limits, deps: requestDeps, log, scope };
    return { action, owner, answer: await spec.handler(ctx) };
  } catch (err) {
    if (scope) {
      scope.cause = failureCause(err);
      // Whatever the action prepared to hand over (a purchase's id) is not in this answer.
      for (const answered of scope.onAnswered.splice(0)) answered(false);
    }
    if (!(err instanceof UpstreamError)) log.error({ err: errorSummary(err), action }, "action failed");
    return { action, owner, answer: failureToken(err, spec.group) };
  }
}

function errorSummary(err: unknown): { message: string; stack?: string | undefined } {
  return err instanceof Error ? { message: err.message, stack: err.stack } : { message: String(err) };
}
