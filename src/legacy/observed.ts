import type { ActivationRecord } from "../store/id-store.js";
import type { Activation } from "../upstream/schemas.js";
import type { GatewayDeps } from "./context.js";

/** Tells observers the state the gateway just learnt of one of its activations. */
export function observed(
  deps: Pick<GatewayDeps, "events">,
  record: ActivationRecord,
  activation: Activation,
): void {
  if (!deps.events.listening("activation")) return;
  deps.events.emit("activation", {
    at: Date.now(),
    owner: record.owner,
    numericId: record.numericId,
    countryId: record.countryId,
    activation,
  });
}
