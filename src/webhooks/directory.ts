import type { KeyEntry, KeyFile } from "../keys/key-file.js";

/** Where an owner's SMS go, and the secret they are signed with. */
export interface WebhookTarget {
  url: string;
  secret: string;
}

/**
 * Which owners have a webhook (docs/legacy-protocol.md §8): per gateway key from KEYS_FILE, or
 * WEBHOOK_URL for every key without it. Asked when a code shows (enqueue) and again at each
 * attempt, so a changed URL or secret applies to pending deliveries and a revoked key gets nothing.
 */
export interface WebhookDirectory {
  /** false when no owner can have a webhook (nothing to listen for) */
  readonly enabled: boolean;
  /** the owner's webhook now; undefined without one (never set, removed, or the key revoked) */
  targetOf(owner: string): WebhookTarget | undefined;
  /** the upstream key behind an owner, when the directory holds it (to keep tracking its activations) */
  upstreamKeyOf(owner: string): string | undefined;
}

export const noWebhooks: WebhookDirectory = {
  enabled: false,
  targetOf: () => undefined,
  upstreamKeyOf: () => undefined,
};

/** WEBHOOK_URL without KEYS_FILE: every owner (each an upstream key) has the same receiver. */
export function fixedWebhook(target: WebhookTarget): WebhookDirectory {
  return { enabled: true, targetOf: () => target, upstreamKeyOf: () => undefined };
}

/** The webhooks of the keys file as it is now (`watchKeyFile`), by the owner hash each entry records. */
export function keyFileWebhooks(current: () => KeyFile): WebhookDirectory {
  let file: KeyFile | undefined;
  let byOwner = new Map<string, KeyEntry>();
  const entryOf = (owner: string) => {
    const latest = current();
    if (latest !== file) {
      file = latest;
      byOwner = new Map(
        latest.keys.filter((k) => k.revokedAt === null && k.owner).map((k) => [k.owner!, k] as const),
      );
    }
    return byOwner.get(owner);
  };
  return {
    enabled: true,
    targetOf: (owner) => entryOf(owner)?.webhook ?? undefined,
    upstreamKeyOf: (owner) => entryOf(owner)?.upstreamKey,
  };
}
