import { activeStatusCode, legacyStateOf } from "../../mapping/status.js";
import type { Activation } from "../../upstream/schemas.js";
import type { ActionContext, LegacyAnswer } from "../context.js";
import { failureToken } from "../failure-tokens.js";
import { fixed2 } from "../money.js";
import { legacyTime } from "../time.js";
import { T } from "../tokens.js";
import { LEGACY_CURRENCY } from "./number.js";
import { codesOf } from "./status.js";

/** Upper bound on upstream pages read for one legacy list answer. */
const MAX_PAGES = 10;

async function listAll(ctx: ActionContext, status?: string[]): Promise<Activation[]> {
  const out: Activation[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await ctx.deps.upstream.listActivations(ctx.key, {
      limit: 100,
      cursor,
      ...(status && { status }),
    });
    out.push(...answer.data);
    if (!answer.nextCursor) break;
    cursor = answer.nextCursor;
  }
  return out;
}

/**
 * Numeric ids for upstream activations, assigned on first sight (activations bought elsewhere get
 * one too). Activations already mapped to another key are left out: no key sees another's.
 */
async function withIds(ctx: ActionContext, activations: Activation[]) {
  const mapped = [];
  for (const activation of activations) {
    const { record } = await ctx.deps.ids.upsert(activation.id, ctx.owner);
    if (record.owner === ctx.owner) mapped.push({ record, activation });
  }
  return mapped;
}

function legacyCountryId(
  ctx: ActionContext,
  iso: string | null | undefined,
  known?: number,
): number | undefined {
  return known ?? (iso ? ctx.deps.countries.idOfIso(iso) : undefined);
}

export async function getActiveActivations(ctx: ActionContext): Promise<LegacyAnswer> {
  let activations: Activation[];
  try {
    activations = await listAll(ctx, ["WAITING", "RECEIVED"]);
  } catch (err) {
    return failureToken(err, "activation");
  }
  const items = (await withIds(ctx, activations)).flatMap(({ record, activation }) => {
    const state = legacyStateOf(activation);
    const status = activeStatusCode(state);
    if (status === undefined || status === "8") return [];
    const countryId = legacyCountryId(ctx, activation.countryIso, record.countryId);
    return [
      {
        activationId: String(record.numericId),
        serviceCode: activation.serviceCode ?? "",
        phoneNumber: activation.phoneNumber.replace(/\D/g, ""),
        activationCost: Number(fixed2(activation.userCost) ?? 0),
        activationStatus: status,
        smsCode: codesOf(state),
        smsText: activation.smsText ?? null,
        activationTime: legacyTime(activation.createdAt),
        countryCode: countryId === undefined ? "" : String(countryId),
        countryName: countryId === undefined ? "" : (ctx.deps.countries.byLegacyId(countryId)?.nameEn ?? ""),
        canGetAnotherSms: "1",
        currency: LEGACY_CURRENCY,
      },
    ];
  });
  if (items.length === 0) return T.NO_ACTIVATIONS;
  return { json: { status: "success", activeActivations: items } };
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
  let activations: Activation[];
  try {
    activations = await listAll(ctx);
  } catch (err) {
    return failureToken(err, "activation");
  }
  const inRange = activations.filter((a) => {
    const created = a.createdAt ? Date.parse(a.createdAt) : Number.NaN;
    return created >= startMs && created <= endMs;
  });
  const page = inRange.slice(offset, offset + limit);
  const items = (await withIds(ctx, page)).map(({ record, activation }) => {
    const state = legacyStateOf(activation);
    return {
      id: record.numericId,
      date: legacyTime(activation.createdAt),
      phone: activation.phoneNumber.replace(/\D/g, ""),
      sms: activation.smsText ?? activation.smsCode ?? null,
      cost: fixed2(activation.userCost) ?? "0.00",
      status: activeStatusCode(state) ?? "8",
      currency: LEGACY_CURRENCY,
    };
  });
  return { json: items };
}
