/**
 * What each owner spent, for spend limits (keys/spend-limits.ts): one entry per purchase, reserved
 * before the purchase is sent, then charged with what the upstream reports, and refunded or ended
 * when the activation ends. Implementations: `spend-sqlite.ts` (one process) and `spend-redis.ts`
 * (replicas); both pass `test/store/spend-ledger.contract.ts`.
 */

/** The limits a reservation is checked against atomically (the rest are decided before it). */
export interface LedgerLimits {
  dailyCents?: number | undefined;
  totalCents?: number | undefined;
  maxLive?: number | undefined;
  perMinute?: number | undefined;
}

export interface Reservation {
  /** the purchase intent's id: the settler settles the reservation with the intent */
  id: string;
  owner: string;
  cents: number;
  /** the UTC day it counts on (`2026-12-08`) */
  day: string;
  /** ms since epoch */
  at: number;
}

export interface LedgerUsage {
  todayCents: number;
  totalCents: number;
  /** reserved or charged, not ended */
  live: number;
  /** reservations in the minute before `now` */
  lastMinute: number;
  /** money reserved for purchases whose charge is not known yet (included in the sums above) */
  reservedCents: number;
}

/** `lost`: the store lost its data (Redis restarted empty): a limited key buys nothing (fail closed). */
export type ReserveResult =
  | { ok: true }
  | { ok: false; reason: "daily" | "total" | "live" | "rate" | "lost" };

/** A reservation nobody settled is dropped after this long (a crash between reserving and the intent). */
export const RESERVATION_TTL_MS = 3 * 60 * 60_000;

export interface SpendLedger {
  /** Checks `limits` against the owner's usage and reserves, in one atomic step. */
  reserve(r: Reservation, limits: LedgerLimits): Promise<ReserveResult>;
  /**
   * The purchase bought `upstreamId` at `cents`; only a reservation is settled (idempotent). An
   * earlier entry of the same upstream id (a mailbox reordered) ends: its charge stays, not live.
   */
  settle(id: string, upstreamId: string, cents: number): Promise<void>;
  /** Nothing was bought: the reservation is dropped. */
  release(id: string): Promise<void>;
  /** The activation ended: refunded gives its money back, otherwise it stops counting as live. Once. */
  end(upstreamId: string, refunded: boolean): Promise<void>;
  usage(owner: string, day: string, now: number): Promise<LedgerUsage>;
  /** Charged activations not ended, charged before `before` (oldest first, at most `limit`). */
  charged(before: number, limit: number): Promise<{ upstreamId: string; owner: string }[]>;
  close(): Promise<void>;
}

/** `2026-12-08` for a time in ms. */
export const utcDayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
