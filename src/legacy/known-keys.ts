import { LRUCache } from "lru-cache";

/**
 * Keys the upstream accepted recently (by owner hash, memory only). An answer that reveals a price
 * without buying (`WRONG_MAX_PRICE`) first makes sure the upstream knows the key, as a purchase
 * would: an unknown key gets `BAD_KEY`, not a price.
 */
export class KnownKeys {
  private readonly accepted: LRUCache<string, true>;

  constructor(ttlMs = 60_000) {
    this.accepted = new LRUCache({ max: 10_000, ttl: ttlMs });
  }

  /** Resolves when the key is known; rejects with the upstream's refusal (401 → BAD_KEY) otherwise. */
  async confirm(owner: string, check: () => Promise<unknown>): Promise<void> {
    if (this.accepted.has(owner)) return;
    await check();
    this.accepted.set(owner, true);
  }
}
