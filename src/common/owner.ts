import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";

/**
 * The owner of an activation: a hash of the api key. Stored records, caches and claims are keyed
 * by it so that no key is ever written anywhere.
 */
export function ownerOf(apiKey: string): string {
  return createHash("sha256").update("smsgw-owner:").update(apiKey).digest("hex").slice(0, 40);
}

/** `ownerOf` memoized for recent keys (memory only): hashing on every poll costs more than the lookup. */
export class OwnerHashes {
  private readonly recent = new LRUCache<string, string>({ max: 10_000 });

  of(apiKey: string): string {
    let owner = this.recent.get(apiKey);
    if (owner === undefined) {
      owner = ownerOf(apiKey);
      this.recent.set(apiKey, owner);
    }
    return owner;
  }
}
