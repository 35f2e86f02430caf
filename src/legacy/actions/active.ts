import { purchaseWindowMs } from "../../money/adoption.js";
import { type Owned, ownedActivations } from "../../money/owned-activations.js";
import { listActivationPages } from "../../upstream/paging.js";
import type { Activation } from "../../upstream/schemas.js";
import { renderActiveActivations, renderHistory } from "../active-render.js";
import type { ActionContext, LegacyAnswer } from "../context.js";
import { observed } from "../observed.js";

/** Upper bound on upstream pages read for one legacy list answer. */
const MAX_PAGES = 10;
const LIVE = ["WAITING", "RECEIVED"];

async function listAll(ctx: ActionContext, status?: string[]): Promise<Activation[]> {
  const listed = await listActivationPages(ctx.deps.upstream, ctx.key, {
    maxPages: MAX_PAGES,
    ...(status && { status }),
  });
  return listed.activations;
}

/** The listed activations that are the caller's (docs/legacy-protocol.md §6, listings). */
async function owned(ctx: ActionContext, activations: readonly Activation[]): Promise<Owned[]> {
  const { ids, upstream, settings } = ctx.deps;
  const mine = await ownedActivations(activations, ctx, {
    ids,
    upstreamNow: () => upstream.upstreamNow(),
    windowMs: purchaseWindowMs(settings.purchaseTimeoutMs),
  });
  for (const { record, activation } of mine) observed(ctx.deps, record, activation);
  return mine;
}

/** The key's live activations: the tracker's listing when fresh, else a listing of our own. */
async function liveActivations(ctx: ActionContext): Promise<readonly Activation[]> {
  const { tracker } = ctx.deps;
  const tracked = await tracker?.liveListing(ctx.key);
  if (tracked) {
    if (ctx.scope) ctx.scope.source = "tracker";
    return tracked;
  }
  const listed = await listActivationPages(ctx.deps.upstream, ctx.key, { maxPages: MAX_PAGES, status: LIVE });
  await tracker?.listed(ctx.key, listed.activations, listed.complete);
  return listed.activations;
}

export async function getActiveActivations(ctx: ActionContext): Promise<LegacyAnswer> {
  return renderActiveActivations(await owned(ctx, await liveActivations(ctx)), ctx.deps.countries);
}

function intParam(ctx: ActionContext, name: string): number | undefined {
  const value = ctx.params.get(name);
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

export async function getHistory(ctx: ActionContext): Promise<LegacyAnswer> {
  const startMs = (intParam(ctx, "start") ?? 0) * 1000;
  const endMs = (intParam(ctx, "end") ?? Number.MAX_SAFE_INTEGER / 1000) * 1000;
  const offset = intParam(ctx, "offset") ?? 0;
  const limit = Math.min(intParam(ctx, "limit") ?? 100, 100);
  const mine = await owned(ctx, await listAll(ctx));
  const inRange = mine.filter(({ activation }) => {
    const created = activation.createdAt ? Date.parse(activation.createdAt) : Number.NaN;
    return created >= startMs && created <= endMs;
  });
  return renderHistory(inRange.slice(offset, offset + limit));
}
