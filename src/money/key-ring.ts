import { LRUCache } from "lru-cache";

/**
 * Upstream keys of owners seen recently, in memory only (never stored, never logged): the orphan
 * settler needs a key to cancel what a lost purchase bought, and the store only holds hashes. After
 * a restart an owner's open intents wait until that owner is seen again, so the settler is told.
 */
export class KeyRing {
  private readonly keys = new LRUCache<string, string>({ max: 10_000 });
  private newOwner: (owner: string) => void = () => undefined;

  onNewOwner(listener: (owner: string) => void): void {
    this.newOwner = listener;
  }

  remember(owner: string, upstreamKey: string): void {
    const known = this.keys.get(owner);
    if (known === upstreamKey) return;
    this.keys.set(owner, upstreamKey);
    if (known === undefined) this.newOwner(owner);
  }

  keyOf(owner: string): string | undefined {
    return this.keys.get(owner);
  }

  /** The owners seen recently (most recent first). */
  owners(): string[] {
    return [...this.keys.keys()];
  }
}
