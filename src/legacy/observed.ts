import type { ActivationRecord } from "../store/id-store.js";
import type { EmailActivation } from "../upstream/email-schemas.js";
import type { Activation } from "../upstream/schemas.js";
import type { GatewayDeps } from "./context.js";

/** Tells observers the state the gateway just learnt of one of its activations. */
export function observed(
  deps: Pick<GatewayDeps, "events">,
  record: ActivationRecord,
  activation: Activation,
  product?: "email",
): void {
  if (!deps.events.listening("activation")) return;
  deps.events.emit("activation", {
    at: Date.now(),
    owner: record.owner,
    numericId: record.numericId,
    countryId: record.countryId,
    ...(product && { product }),
    activation,
  });
}

/** Tells observers the state of a mailbox, in the shape of an activation (see ActivationEvent). */
export function observedMailbox(
  deps: Pick<GatewayDeps, "events">,
  record: ActivationRecord,
  mailbox: EmailActivation,
): void {
  if (!deps.events.listening("activation")) return;
  const asActivation: Activation = {
    id: mailbox.id,
    phoneNumber: mailbox.emailAddress ?? "",
    status: mailbox.status,
    serviceCode: mailbox.site,
    smsCode: mailbox.otpValue,
    userCost: mailbox.userCost,
    createdAt: mailbox.createdAt,
    expiresAt: mailbox.expiresAt,
    receivedAt: mailbox.receivedAt,
  };
  observed(deps, record, asActivation, "email");
}
