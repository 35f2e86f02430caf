import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";

/** Recent keys → owners, in memory only: hashing on every poll would cost more than the lookup. */
const recent = new LRUCache<string, string>({ max: 10_000 });

/**
 * The owner of an activation: a hash of the api key. Stored records, caches and claims are keyed
 * by it so that no key is ever written anywhere.
 */
export function ownerOf(apiKey: string): string {
  let owner = recent.get(apiKey);
  if (owner === undefined) {
    owner = createHash("sha256").update("smsgw-owner:").update(apiKey).digest("hex").slice(0, 40);
    recent.set(apiKey, owner);
  }
  return owner;
}
