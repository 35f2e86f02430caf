import { centsToFixed2 } from "../common/money.js";
import { describeLimits, hasLimits, type SpendLimits } from "../common/spend-limits.js";

/**
 * What the console knows of each key that made requests: its name for people (the gateway key's
 * label, else the first 8 hex of the owner hash, never the key) and today's figures (UTC day, as
 * the upstream's daily quota). Keys are known by their owner hash; the page refers to one by
 * `ref`, a shorter prefix of it.
 */
export interface KeyDay {
  /** money spent on numbers bought today and not refunded, in cents */
  spentCents: number;
  bought: number;
  codes: number;
  /** native calls made by this key's legacy requests */
  calls: number;
}

/** A key as the page and the data API show it: its reference, its name and today's figures. */
export interface KeyRow {
  key: string;
  who: string;
  /** money spent today, `12.50` */
  spent: string;
  bought: number;
  codes: number;
  calls: number;
  /** its spend limits in words (`daily 5.00, live 10`), or null without any */
  limits: string | null;
}

interface KeyEntry {
  label: string | undefined;
  day: string;
  stats: KeyDay;
}

const REF_LENGTH = 12;
const MAX_KEYS = 10_000;

/** `2026-11-29` for an instant (UTC). */
export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const DAY_MS = 86_400_000;

export class KeysSeen {
  private readonly byOwner = new Map<string, KeyEntry>();
  /** the current UTC day and when it ends: formatting a date on every request is not free */
  private day = "";
  private dayEndsAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly limitsOf: (owner: string) => SpendLimits | undefined = () => undefined,
  ) {}

  /** A request of this owner (folded from the recorder, off the request path). */
  sawRequest(owner: string, label: string | undefined, calls: number): void {
    if (owner === "") return;
    const entry = this.entry(owner);
    if (label) entry.label = label;
    entry.stats.calls += calls;
  }

  /** Today's figures of this owner, for the activation board to count into. */
  today(owner: string): KeyDay {
    return this.entry(owner).stats;
  }

  whoOf(owner: string): string {
    if (owner === "") return "";
    return this.byOwner.get(owner)?.label ?? owner.slice(0, 8);
  }

  refOf(owner: string): string {
    return owner.slice(0, REF_LENGTH);
  }

  /** The owner a page's `ref` names, if the console has seen it. */
  ownerOfRef(ref: string): string | undefined {
    if (ref.length !== REF_LENGTH) return undefined;
    for (const owner of this.byOwner.keys()) if (owner.startsWith(ref)) return owner;
    return undefined;
  }

  rows(): KeyRow[] {
    return [...this.byOwner.keys()].map((owner) => {
      const { stats } = this.entry(owner);
      return {
        key: this.refOf(owner),
        who: this.whoOf(owner),
        spent: centsToFixed2(stats.spentCents),
        bought: stats.bought,
        codes: stats.codes,
        calls: stats.calls,
        limits: hasLimits(this.limitsOf(owner)) ? describeLimits(this.limitsOf(owner)) : null,
      };
    });
  }

  private currentDay(): string {
    const now = this.now();
    if (now >= this.dayEndsAt || now < this.dayEndsAt - DAY_MS) {
      this.day = utcDay(now);
      this.dayEndsAt = (Math.floor(now / DAY_MS) + 1) * DAY_MS;
    }
    return this.day;
  }

  private entry(owner: string): KeyEntry {
    const day = this.currentDay();
    let entry = this.byOwner.get(owner);
    if (!entry) {
      if (this.byOwner.size >= MAX_KEYS) {
        const oldest = this.byOwner.keys().next().value;
        if (oldest !== undefined) this.byOwner.delete(oldest);
      }
      entry = { label: undefined, day, stats: { spentCents: 0, bought: 0, codes: 0, calls: 0 } };
      this.byOwner.set(owner, entry);
    } else if (entry.day !== day) {
      entry.day = day;
      entry.stats = { spentCents: 0, bought: 0, codes: 0, calls: 0 };
    }
    return entry;
  }
}
