import { z } from "zod";
import { listOf, money } from "./schemas.js";

/**
 * The native email-activation shapes (docs/native-api.md §10). The fields SMSBulk's documentation
 * leaves open (the statuses, the message body's name) are read tolerantly here and only here, so a
 * correction after `npm run probe` on the real upstream is a change in this file.
 */

/** Names the message body may have upstream, in the order they are tried. */
const BODY_FIELDS = ["htmlBody", "emailBody", "body", "html", "rawHtml", "message"] as const;

const emailDomainSchema = z.object({
  name: z.string().min(1),
  price: money,
  count: z.number().nullish(),
  currency: z.string().nullish(),
});
export const emailDomainListSchema = listOf(emailDomainSchema);
export type EmailDomain = z.infer<typeof emailDomainSchema>;

export const emailActivationSchema = z
  .object({
    id: z.string().min(1),
    status: z.string(),
    site: z.string().nullish(),
    domain: z.string().nullish(),
    emailAddress: z.string().nullish(),
    otpValue: z.string().nullish(),
    userCost: money,
    currency: z.string().nullish(),
    cancellableAt: z.string().nullish(),
    expiresAt: z.string().nullish(),
    receivedAt: z.string().nullish(),
    createdAt: z.string().nullish(),
  })
  .passthrough()
  .transform(({ id, status, site, domain, emailAddress, otpValue, userCost, ...rest }) => ({
    id,
    status,
    site: site ?? null,
    domain: domain ?? null,
    emailAddress: emailAddress ?? null,
    otpValue: otpValue ?? null,
    userCost,
    cancellableAt: rest.cancellableAt ?? null,
    expiresAt: rest.expiresAt ?? null,
    receivedAt: rest.receivedAt ?? null,
    createdAt: rest.createdAt ?? null,
    body: messageBody(rest),
  }));
export type EmailActivation = z.output<typeof emailActivationSchema>;

export const emailActivationListSchema = listOf(emailActivationSchema);

function messageBody(fields: Record<string, unknown>): string | null {
  for (const name of BODY_FIELDS) {
    const value = fields[name];
    if (typeof value === "string" && value !== "") return value;
  }
  return null;
}
