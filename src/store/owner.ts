import { createHash } from "node:crypto";

/**
 * The owner of an activation: a hash of the api key. Stored records, caches and claims are keyed
 * by it so that no key is ever written anywhere.
 */
export function ownerOf(apiKey: string): string {
  return createHash("sha256").update("smsgw-owner:").update(apiKey).digest("hex").slice(0, 40);
}
