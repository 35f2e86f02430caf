import type { TimerHandle } from "./clock.js";
import type { Cents } from "./money.js";
import type { Wallet } from "./wallet.js";

/** The sandbox's records: an account and its activations (each points to the other). */

export interface Account {
  apiKey: string;
  /** A stable label that never reveals the key (control routes, logs). */
  keyHash: string;
  /** A blocked key authenticates but gets 403 ("key not allowed"). */
  blocked: boolean;
  wallet: Wallet;
  /** Oldest first. */
  activations: Activation[];
}

export const ACTIVATION_STATUSES = [
  "PENDING",
  "WAITING",
  "RECEIVED",
  "COMPLETED",
  "CANCELLED",
  "EXPIRED",
  "REFUNDED",
] as const;
export type ActivationStatus = (typeof ACTIVATION_STATUSES)[number];
export interface Activation {
  id: string;
  account: Account;
  phoneNumber: string;
  status: ActivationStatus;
  serviceCode: string;
  countryIso: string;
  operator: string | null;
  /** Once set, never cleared: a resend keeps the last code until the next SMS. */
  smsCode: string | null;
  smsText: string | null;
  costCents: Cents;
  createdAt: number;
  cancellableAt: number;
  expiresAt: number;
  receivedAt: number | null;
  resends: number;
  smsTimer: TimerHandle | null;
  expiryTimer: TimerHandle | null;
}
