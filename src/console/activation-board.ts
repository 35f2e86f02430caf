import { toCents } from "../common/money.js";
import type { ActivationEvent } from "../events.js";
import type { Activation } from "../upstream/schemas.js";
import { type KeysSeen, utcDay } from "./keys-seen.js";

/**
 * The activations the gateway learnt of (purchases, polls, writes, listings, tracker refreshes:
 * docs/legacy-protocol.md §6), as the console shows them: every live one and the most recently
 * ended. Each change bumps a version, so a stream sends only what changed. It also counts each
 * key's numbers bought, codes received and spend today (refunds taken back).
 */
export interface BoardEntry {
  numericId: number;
  owner: string;
  countryId?: number | undefined;
  /** `"email"` for a mailbox */
  product?: "email" | undefined;
  activation: Activation;
  /** when the console first saw it */
  seenAt: number;
  /** when it was seen ended (completed, cancelled, expired) */
  endedAt?: number | undefined;
  version: number;
}

const LIVE = new Set(["PENDING", "WAITING", "RECEIVED"]);
const REFUNDED = new Set(["CANCELLED", "EXPIRED", "REFUNDED"]);

const isLive = (a: Activation) => LIVE.has(a.status);

export interface BoardLimits {
  /** live activations kept (the oldest seen go first) */
  live: number;
  /** ended activations kept (the longest ended go first) */
  ended: number;
}

export class ActivationBoard {
  private readonly entries = new Map<number, BoardEntry>();
  private versionNow = 0;
  /** what today's figures already count, per activation id */
  private today = { date: "", seen: new Map<number, { charged: boolean; code: string | null }>() };

  constructor(
    private readonly keys: KeysSeen,
    private readonly limits: BoardLimits = { live: 10_000, ended: 200 },
    private readonly now: () => number = Date.now,
  ) {}

  get version(): number {
    return this.versionNow;
  }

  get(numericId: number): BoardEntry | undefined {
    return this.entries.get(numericId);
  }

  /** One state learnt; a repeat of the state already held changes nothing. */
  apply(event: ActivationEvent): void {
    const { activation } = event;
    const held = this.entries.get(event.numericId);
    if (held && !changed(held.activation, activation)) return;
    const now = this.now();
    this.countToday(event, now);
    this.versionNow += 1;
    this.entries.delete(event.numericId); // re-inserted: the map's order is the order of change
    this.entries.set(event.numericId, {
      numericId: event.numericId,
      owner: event.owner,
      countryId: event.countryId ?? held?.countryId,
      product: event.product,
      activation,
      seenAt: held?.seenAt ?? now,
      endedAt: isLive(activation) ? undefined : (held?.endedAt ?? now),
      version: this.versionNow,
    });
    this.prune();
  }

  /** Entries changed after `version`, oldest change first. */
  changedSince(version: number): BoardEntry[] {
    return [...this.entries.values()].filter((e) => e.version > version);
  }

  /** Live ones, newest first, then the ended ones, most recently ended first. */
  all(): BoardEntry[] {
    const entries = [...this.entries.values()];
    const live = entries.filter((e) => e.endedAt === undefined).sort((a, b) => b.numericId - a.numericId);
    const ended = entries
      .filter((e) => e.endedAt !== undefined)
      .sort((a, b) => b.endedAt! - a.endedAt! || b.numericId - a.numericId);
    return [...live, ...ended];
  }

  /**
   * Today's figures of the activation's key: bought once per activation created today, its cost
   * spent until it is refunded, one code per new code (a resend brings another). Counted per
   * activation id, so one listed again after it left the board is not counted twice.
   */
  private countToday(event: ActivationEvent, now: number): void {
    const date = utcDay(now);
    if (this.today.date !== date) this.today = { date, seen: new Map() };
    const { activation } = event;
    const created = activation.createdAt ? Date.parse(activation.createdAt) : Number.NaN;
    if (utcDay(Number.isNaN(created) ? now : created) !== date) return;
    const stats = this.keys.today(event.owner);
    let seen = this.today.seen.get(event.numericId);
    if (!seen) {
      seen = { charged: false, code: null };
      this.today.seen.set(event.numericId, seen);
      stats.bought += 1;
    }
    const cost = toCents(activation.userCost) ?? 0;
    const refunded = REFUNDED.has(activation.status);
    if (!refunded && !seen.charged) {
      stats.spentCents += cost;
      seen.charged = true;
    } else if (refunded && seen.charged) {
      stats.spentCents -= cost;
      seen.charged = false;
    }
    if (activation.smsCode && activation.smsCode !== seen.code) {
      stats.codes += 1;
      seen.code = activation.smsCode;
    }
  }

  private prune(): void {
    let live = 0;
    let ended = 0;
    for (const e of this.entries.values()) e.endedAt === undefined ? live++ : ended++;
    if (live <= this.limits.live && ended <= this.limits.ended) return;
    // Oldest change first: the first entries of the map are the ones to let go.
    for (const [id, e] of this.entries) {
      if (e.endedAt === undefined && live > this.limits.live) {
        this.entries.delete(id);
        live--;
      } else if (e.endedAt !== undefined && ended > this.limits.ended) {
        this.entries.delete(id);
        ended--;
      }
      if (live <= this.limits.live && ended <= this.limits.ended) return;
    }
  }
}

function changed(before: Activation, after: Activation): boolean {
  return (
    before.status !== after.status ||
    before.smsCode !== after.smsCode ||
    before.smsText !== after.smsText ||
    before.receivedAt !== after.receivedAt ||
    before.userCost !== after.userCost
  );
}
