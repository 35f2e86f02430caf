import type { ActivationRecord, IdStore } from "../store/id-store.js";
import type { Activation } from "../upstream/schemas.js";
import { type AdoptionFacts, mayAdopt } from "./adoption.js";

export interface Owned {
  record: ActivationRecord;
  activation: Activation;
}

export interface Caller {
  /** hash of the key the client presented */
  owner: string;
  /** the client presented the upstream key itself (no gateway keys) */
  presentedUpstreamKey: boolean;
}

export interface OwnershipDeps {
  ids: IdStore;
  upstreamNow: () => number;
  /** `purchaseWindowMs(PURCHASE_TIMEOUT_MS)` */
  windowMs: number;
}

/**
 * The activations of a listing that are the caller's: those mapped to them, and unmapped ones the
 * adoption rule lets them take (mapped now, so they keep their id). Nothing mapped to another key
 * is ever returned. List first, then call this: the open intents are read after the listing, so a
 * purchase in flight during the listing is seen by its intent.
 */
export async function ownedActivations(
  activations: readonly Activation[],
  caller: Caller,
  deps: OwnershipDeps,
): Promise<Owned[]> {
  let facts: AdoptionFacts | undefined;
  const out: Owned[] = [];
  for (const activation of activations) {
    const mine = await deps.ids.findByUpstream(activation.id, caller.owner);
    if (mine) {
      out.push({ record: mine, activation });
      continue;
    }
    if (!caller.presentedUpstreamKey) continue;
    facts ??= {
      presentedUpstreamKey: true,
      openIntents: await deps.ids.openIntents({ owner: caller.owner }),
      upstreamNow: deps.upstreamNow(),
      windowMs: deps.windowMs,
    };
    if (!mayAdopt(activation, facts)) continue;
    const { record } = await deps.ids.upsert(activation.id, caller.owner);
    if (record.owner === caller.owner) out.push({ record, activation });
  }
  return out;
}
