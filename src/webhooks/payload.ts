import { createHash } from "node:crypto";
import { legacyTime } from "../common/legacy-time.js";
import type { ActivationEvent } from "../events.js";
import type { CountryTable } from "../mapping/countries.js";
import type { WebhookDelivery } from "../store/id-store.js";

/** SMS-Activate's activation webhook body (docs/legacy-protocol.md §8), in this key order. */
export interface WebhookPayload {
  /** the gateway's numeric activation id */
  activationId: number;
  /** the legacy service code */
  service: string;
  text: string;
  code: string;
  /** the legacy country id it was bought with, else the reverse mapping of its ISO code */
  country: number | null;
  /** when the code came, UTC `YYYY-MM-DD HH:MM:SS` */
  receivedAt: string;
}

export type NewDelivery = Omit<WebhookDelivery, "attempts">;

/**
 * The delivery an activation state calls for: one per code received (a second code after a resend
 * is a second delivery), none while it shows no code. Its id is derived from the activation, the
 * time the code came and the code, so every replica and every observation of the same code make
 * the same delivery (and the store enqueues it once).
 */
export function deliveryOf(event: ActivationEvent, countries: CountryTable): NewDelivery | undefined {
  const { activation } = event;
  const code = activation.smsCode;
  if (!code) return undefined;
  const receivedAt = activation.receivedAt ?? undefined;
  const payload: WebhookPayload = {
    activationId: event.numericId,
    service: activation.serviceCode ?? "",
    text: activation.smsText ?? code,
    code,
    country:
      event.countryId ??
      (activation.countryIso ? countries.idOfIso(activation.countryIso) : undefined) ??
      null,
    receivedAt: legacyTime(receivedAt ?? new Date(event.at).toISOString()),
  };
  const digest = createHash("sha256")
    .update(`${activation.id}\u0000${receivedAt ?? ""}\u0000${code}`)
    .digest("hex");
  return {
    deliveryId: `wh_${digest.slice(0, 32)}`,
    owner: event.owner,
    upstreamId: activation.id,
    payload: JSON.stringify(payload),
    createdAt: event.at,
  };
}

/** When the code came, in ms (the event's time when the upstream does not say). */
export function receivedAtMs(event: ActivationEvent): number {
  const ms = event.activation.receivedAt ? Date.parse(event.activation.receivedAt) : Number.NaN;
  return Number.isNaN(ms) ? event.at : ms;
}
