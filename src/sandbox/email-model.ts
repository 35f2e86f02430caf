import { isoSeconds, type TimerHandle } from "./clock.js";
import type { Account, ActivationStatus } from "./model.js";
import { type Cents, formatMoney } from "./money.js";

/** A bought mailbox (the email product's activation) and its JSON shape. */
export interface EmailActivation {
  id: string;
  account: Account;
  site: string;
  domain: string;
  /** Drawn (and reserved) at purchase; shown as emailAddress after SANDBOX_EMAIL_ADDRESS_DELAY_MS. */
  address: string;
  emailAddress: string | null;
  status: ActivationStatus;
  otpValue: string | null;
  htmlBody: string | null;
  /** The last charge (purchase or reorder): what a cancel or expiry refunds. */
  costCents: Cents;
  createdAt: number;
  cancellableAt: number;
  expiresAt: number;
  receivedAt: number | null;
  /** A message arrived in the current window (since the purchase or the last reorder). */
  received: boolean;
  timers: { address: TimerHandle | null; mail: TimerHandle | null; expiry: TimerHandle | null };
}

/** The email activation object exactly as docs/native-api.md §10 shows it. */
export function emailActivationJson(m: EmailActivation, currency: string) {
  return {
    id: m.id,
    site: m.site,
    domain: m.domain,
    emailAddress: m.emailAddress,
    status: m.status,
    otpValue: m.otpValue,
    htmlBody: m.htmlBody,
    userCost: formatMoney(m.costCents),
    currency,
    cancellableAt: isoSeconds(m.cancellableAt),
    expiresAt: isoSeconds(m.expiresAt),
    receivedAt: m.receivedAt === null ? null : isoSeconds(m.receivedAt),
    createdAt: isoSeconds(m.createdAt),
  };
}
