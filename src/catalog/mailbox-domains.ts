import { LRUCache } from "lru-cache";
import type { EmailDomain } from "../upstream/email-schemas.js";

/**
 * The mailbox domains of a site, per owner (the list needs the key and its prices are the key's),
 * read at most once per `ttlMs`, concurrent reads sharing one call: a bot asking getDomains before
 * each purchase costs one upstream read per site and half-minute, not one each.
 */
export class MailboxDomains {
  private readonly cache: LRUCache<string, Promise<EmailDomain[]>>;

  constructor(
    private readonly read: (key: string, site: string) => Promise<EmailDomain[]>,
    ttlMs = 30_000,
  ) {
    this.cache = new LRUCache({ max: 10_000, ttl: ttlMs });
  }

  get(owner: string, key: string, site: string): Promise<EmailDomain[]> {
    const slot = `${owner}\u0000${site}`;
    const known = this.cache.get(slot);
    if (known) return known;
    const reading = this.read(key, site);
    this.cache.set(slot, reading);
    reading.catch(() => {
      if (this.cache.get(slot) === reading) this.cache.delete(slot);
    });
    return reading;
  }
}
