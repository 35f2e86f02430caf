import { T } from "../../common/tokens.js";
import { decideSetStatus, type LegacyState, legacyStateOf, statusToken } from "../../mapping/status.js";
import type { ActivationRecord } from "../../store/id-store.js";
import type { CallPriority } from "../../upstream/call-guard.js";
import { UpstreamError } from "../../upstream/errors.js";
import type { Activation } from "../../upstream/schemas.js";
import type { ActionContext, LegacyAnswer } from "../context.js";
import { observed } from "../observed.js";
import { parseActivationId } from "../params.js";
import { renderFullSms, renderStatusV2 } from "../status-render.js";

interface Loaded {
  record: ActivationRecord;
  activation: Activation;
  state: LegacyState;
}

/**
 * One activation read, shared with concurrent polls by the polling shield. A write's own read is
 * `"write"`: under a 429 back-off it waits as the write will, where a poll is refused.
 */
function readThroughShield(
  ctx: ActionContext,
  upstreamId: string,
  priority: CallPriority = "read",
): Promise<Activation> {
  const { shield, upstream } = ctx.deps;
  return shield.get(ctx.owner, ctx.key, upstreamId, (key, id) =>
    upstream.getActivation(key, id, { priority }),
  );
}

/**
 * An activation's state for a poll: from the activation tracker (no upstream call of its own), or
 * with the tracker off through the polling shield.
 */
async function current(ctx: ActionContext, upstreamId: string, priority: CallPriority): Promise<Activation> {
  const { tracker } = ctx.deps;
  if (!tracker) return readThroughShield(ctx, upstreamId, priority);
  const { activation, fromTracker } = await tracker.state(ctx.key, upstreamId, () =>
    readThroughShield(ctx, upstreamId, priority),
  );
  if (fromTracker && ctx.scope) ctx.scope.source = "tracker";
  return activation;
}

/** What a write answered (cancel, complete, resend) is the state now: the next poll sees it at once. */
async function remember(ctx: ActionContext, record: ActivationRecord, activation: Activation): Promise<void> {
  ctx.deps.shield.remember(ctx.owner, activation);
  await ctx.deps.tracker?.remember(ctx.key, activation);
  observed(ctx.deps, record, activation);
}

/** Resolves `id` for this owner and reads its activation (tracker or polling shield). */
async function load(ctx: ActionContext, priority: CallPriority = "read"): Promise<Loaded | string> {
  const numericId = parseActivationId(ctx.params.get("id"));
  if (numericId === undefined) return T.NO_ACTIVATION;
  const record = await ctx.deps.ids.resolve(numericId, ctx.owner);
  // a mailbox's id is no phone activation (its own actions read it)
  if (!record || record.product !== undefined) return T.NO_ACTIVATION;
  const activation = await current(ctx, record.upstreamId, priority);
  observed(ctx.deps, record, activation);
  return { record, activation, state: logUnknown(ctx, legacyStateOf(activation)) };
}

function logUnknown(ctx: ActionContext, state: LegacyState): LegacyState {
  if (state.kind === "unknown") ctx.log.error({ status: state.status }, "unknown upstream activation status");
  return state;
}

export async function getStatus(ctx: ActionContext): Promise<LegacyAnswer> {
  const loaded = await load(ctx);
  return typeof loaded === "string" ? loaded : statusToken(loaded.state);
}

export async function getStatusV2(ctx: ActionContext): Promise<LegacyAnswer> {
  const loaded = await load(ctx);
  return typeof loaded === "string" ? loaded : renderStatusV2(loaded.activation);
}

export async function getFullSms(ctx: ActionContext): Promise<LegacyAnswer> {
  const loaded = await load(ctx);
  return typeof loaded === "string" ? loaded : renderFullSms(loaded.activation);
}

const VALID_STATUSES = new Set(["1", "3", "6", "8", "-1"]);

export async function setStatus(ctx: ActionContext): Promise<LegacyAnswer> {
  const status = ctx.params.get("status")?.trim() ?? "";
  if (!VALID_STATUSES.has(status)) return T.BAD_STATUS;
  const loaded = await load(ctx, "write");
  if (typeof loaded === "string") return loaded;
  const decision = decideSetStatus(loaded.state, status);
  if (decision.kind === "answer") return decision.token;
  const { upstream, shield } = ctx.deps;
  const upstreamId = loaded.record.upstreamId;
  const call = { cancel: upstream.cancel, complete: upstream.complete, resend: upstream.requestResend }[
    decision.op
  ];
  try {
    await remember(ctx, loaded.record, await call.call(upstream, ctx.key, upstreamId));
    return decision.onSuccess;
  } catch (err) {
    if (!(err instanceof UpstreamError) || err.kind !== "conflict") throw err;
  }
  // 409: decide from the activation as it is now, never from the message text.
  shield.forget(ctx.owner, upstreamId);
  const now = await readThroughShield(ctx, upstreamId, "write");
  await ctx.deps.tracker?.remember(ctx.key, now);
  observed(ctx.deps, loaded.record, now);
  const again = decideSetStatus(legacyStateOf(now), status);
  if (again.kind === "answer") return again.token;
  return again.op === decision.op ? decision.onConflict : T.ERROR_SQL;
}
