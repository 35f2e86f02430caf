import { T } from "../../common/tokens.js";
import type { LegacyAnswer } from "../context.js";

/** Rent: not offered upstream; rent clients parse `{"status":"error","message":…}`. */
export const RENT_ACTIONS = [
  "getRentServicesAndCountries",
  "getRentNumber",
  "getRentStatus",
  "setRentStatus",
  "getRentList",
  "continueRentNumber",
  "getContinueRentPriceNumber",
] as const;

/** Multi-service, additional/extra activations and calls: not offered upstream. */
export const OTHER_UNSUPPORTED_ACTIONS = [
  "getMultiServiceNumber",
  "getAdditionalService",
  "getExtraActivation",
  "checkExtraActivation",
  "getIncomingCallStatus",
  "createTaskForCall",
  "getOutgoingCalls",
  "parseCall",
] as const;

export const rentNotOffered = async (): Promise<LegacyAnswer> => ({
  json: { status: "error", message: T.BAD_ACTION },
});
export const notOffered = async (): Promise<LegacyAnswer> => T.BAD_ACTION;
