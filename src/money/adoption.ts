import type { PurchaseIntent } from "../store/id-store.js";
import type { Activation } from "../upstream/schemas.js";

/**
 * Which upstream activation belongs to which purchase, and when a listing may take one that no
 * purchase claimed (docs/legacy-protocol.md §6 "Listings adopt only what is provably the
 * caller's"). Pure: the callers bring the activations, intents and clocks.
 */

/** The upstream `Date` header and timestamps have one-second resolution. */
export const CLOCK_RESOLUTION_MS = 1_000;
/** A purchase's window starts this much before its request (clock resolution and skew). */
export const CLOCK_MARGIN_MS = 2 * CLOCK_RESOLUTION_MS;

/** How long after its intent's upstream time a purchase can still create its activation. */
export function purchaseWindowMs(purchaseTimeoutMs: number): number {
  return purchaseTimeoutMs + 2 * CLOCK_MARGIN_MS;
}

type Ordered = Pick<PurchaseIntent, "serviceCode" | "countryIso">;
type Listed = Pick<Activation, "serviceCode" | "countryIso" | "createdAt">;

function createdAtOf(a: Listed): number {
  return a.createdAt ? Date.parse(a.createdAt) : Number.NaN;
}

/** Could a purchase of `order` made between two upstream times have created `a`? */
function couldBeFrom(a: Listed, order: Ordered, sinceUpstreamMs: number, untilUpstreamMs: number): boolean {
  const created = createdAtOf(a);
  return (
    a.serviceCode === order.serviceCode &&
    // ISO codes, or mailbox domains: either way case does not matter
    (a.countryIso ?? "").toUpperCase() === order.countryIso.toUpperCase() &&
    created >= sinceUpstreamMs &&
    created <= untilUpstreamMs
  );
}

/** Activations (in page order) that a purchase made between two upstream times could have created. */
export function matchingActivations<A extends Listed>(
  page: readonly A[],
  order: Ordered,
  sinceUpstreamMs: number,
  untilUpstreamMs: number,
): A[] {
  return page.filter((a) => couldBeFrom(a, order, sinceUpstreamMs, untilUpstreamMs));
}

export interface AdoptionFacts {
  /** the caller presented the upstream key itself (no gateway key stands between them) */
  presentedUpstreamKey: boolean;
  /** the caller's open purchase intents, read after the activations were listed */
  openIntents: readonly Pick<PurchaseIntent, "serviceCode" | "countryIso" | "upstreamTime">[];
  /** the upstream's clock now */
  upstreamNow: number;
  /** `purchaseWindowMs(PURCHASE_TIMEOUT_MS)` */
  windowMs: number;
}

/**
 * May a listing map this unmapped activation to the caller? Only when the caller is the upstream
 * key's owner (with gateway keys, an unmapped activation may be any of the key's bots' purchase
 * in flight), and no purchase of that key could still claim it: none of the caller's open intents
 * matches it, and it is older than any purchase still in flight could be.
 */
export function mayAdopt(a: Listed, facts: AdoptionFacts): boolean {
  if (!facts.presentedUpstreamKey) return false;
  const created = createdAtOf(a);
  if (Number.isNaN(created) || created > facts.upstreamNow - facts.windowMs) return false;
  return !facts.openIntents.some((intent) =>
    couldBeFrom(a, intent, intent.upstreamTime, intent.upstreamTime + facts.windowMs),
  );
}
