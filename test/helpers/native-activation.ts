import type { Activation } from "../../src/upstream/schemas.js";

/**
 * A native activation as `GET /activations/{id}` sends it (docs/native-api.md §3), waiting for its
 * first SMS; `fields` override or add what a test is about. Only the required fields are set, so a
 * missing optional field is missing unless a test sets it.
 */
export function nativeActivation(fields: Partial<Activation> = {}): Activation {
  return {
    id: "cm0activation0000000000001",
    phoneNumber: "+90 501 436 51 10",
    status: "WAITING",
    userCost: "0.60",
    ...fields,
  };
}
