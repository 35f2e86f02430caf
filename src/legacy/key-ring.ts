import { LRUCache } from "lru-cache";

/**
 * Upstream keys of owners seen recently, in memory only (never stored, never logged): the orphan
 * settler needs a key to cancel what a lost purchase bought, and the store only holds hashes.
 */
export class KeyRing {
  private readonly keys = new LRUCache<string, string>({ max: 10_000 });

  remember(owner: string, upstreamKey: string): void {
    if (this.keys.get(owner) !== upstreamKey) this.keys.set(owner, upstreamKey);
  }

  keyOf(owner: string): string | undefined {
    return this.keys.get(owner);
  }
}
