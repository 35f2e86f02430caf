import type { SpendLimits } from "../common/spend-limits.js";

/**
 * Turns the key a client presented into the upstream key to use: the identity by default; with
 * gateway keys (KEYS_FILE), the mapped upstream key or undefined for an unknown or revoked key.
 */
export type KeyResolver = (presented: string) => string | undefined;

/**
 * A resolver over gateway keys that can also name a presented key: its `label` in the keys file
 * ("" or undefined when it has none, or the key is unknown). The console shows it as "who".
 */
export interface LabelledKeyResolver extends KeyResolver {
  labelOf(presented: string): string | undefined;
  /** the key's spend limits (keys/spend-limits.ts), when it has any */
  limitsOf?(presented: string): SpendLimits | undefined;
  /** the same by the key's owner hash (for observers that never see keys) */
  limitsOfOwner?(owner: string): SpendLimits | undefined;
}

/** Upstream keys are printable ASCII (they travel in an HTTP header); anything else cannot be one. */
const PLAUSIBLE_KEY = /^[\x21-\x7e]{1,256}$/;

export const passThroughKeys: KeyResolver = (presented) =>
  PLAUSIBLE_KEY.test(presented) ? presented : undefined;
