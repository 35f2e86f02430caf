import { randomUUID } from "node:crypto";
import { toCents } from "../common/money.js";
import type { SpendLimits } from "../common/spend-limits.js";
import type { LedgerUsage, SpendLedger } from "../store/spend-ledger.js";
import { utcDayOf } from "../store/spend-ledger.js";
import { UpstreamError } from "../upstream/errors.js";

/**
 * A limited key's money around one purchase (README "Spend limits"): the price is reserved before
 * the purchase is sent, in the same atomic step that checks the limits; the reservation is settled
 * with the charge the upstream reports, released when nothing was bought, and left to the orphan
 * settler (its id is the purchase intent's) when the purchase's outcome is unknown.
 */
export interface Budget {
  ledger: SpendLedger;
  limits: SpendLimits;
  owner: string;
}

export type BudgetRefusal = "daily" | "total" | "live" | "rate" | "lost";

export async function reserve(
  budget: Budget,
  priceCents: number,
  now = Date.now(),
): Promise<{ id: string } | { refused: BudgetRefusal }> {
  const id = randomUUID();
  const { limits } = budget;
  const result = await budget.ledger.reserve(
    { id, owner: budget.owner, cents: priceCents, day: utcDayOf(now), at: now },
    {
      dailyCents: limits.dailyCents,
      totalCents: limits.totalCents,
      maxLive: limits.maxLive,
      perMinute: limits.perMinute,
    },
  );
  return result.ok ? { id } : { refused: result.reason };
}

/** Runs the purchase of a reservation and settles it with what happened. */
export async function settled<T extends { activation: { id: string; userCost: string } }>(
  budget: Budget,
  reservationId: string,
  buy: () => Promise<T>,
): Promise<T> {
  let bought: T;
  try {
    bought = await buy();
  } catch (err) {
    // Definitively nothing bought: the money is free again. Otherwise the settler decides.
    if (err instanceof UpstreamError && !err.ambiguous) await budget.ledger.release(reservationId);
    throw err;
  }
  const cents = toCents(bought.activation.userCost);
  if (cents !== undefined) await budget.ledger.settle(reservationId, bought.activation.id, cents);
  return bought;
}

/** What the key may still spend now (for getBalance), or undefined without money limits. */
export async function usageNow(budget: Budget, now = Date.now()): Promise<LedgerUsage> {
  return budget.ledger.usage(budget.owner, utcDayOf(now), now);
}
