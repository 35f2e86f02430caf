import { T, tokenValue, VALUED, withValue } from "../common/tokens.js";
import type { Activation } from "../upstream/schemas.js";

/**
 * The state tables of docs/legacy-protocol.md §5 as pure functions of the upstream activation.
 */
export type LegacyState =
  | { kind: "waiting" }
  | { kind: "retry"; lastCode: string } // WAITING after a resend, the last code kept
  | { kind: "received"; code: string }
  | { kind: "completed"; code: string }
  | { kind: "cancelled" }
  | { kind: "unknown"; status: string };

export function legacyStateOf(a: Pick<Activation, "status" | "smsCode">): LegacyState {
  const code = a.smsCode ?? undefined;
  switch (a.status) {
    case "PENDING":
    case "WAITING":
      return code ? { kind: "retry", lastCode: code } : { kind: "waiting" };
    case "RECEIVED":
      return code ? { kind: "received", code } : { kind: "unknown", status: "RECEIVED without smsCode" };
    case "COMPLETED":
      return code ? { kind: "completed", code } : { kind: "cancelled" };
    case "CANCELLED":
    case "EXPIRED":
    case "REFUNDED":
      return { kind: "cancelled" };
    default:
      return { kind: "unknown", status: a.status };
  }
}

/** getStatus answer. */
export function statusToken(state: LegacyState): string {
  switch (state.kind) {
    case "waiting":
      return T.STATUS_WAIT_CODE;
    case "retry":
      return withValue(VALUED.STATUS_WAIT_RETRY, state.lastCode);
    case "received":
    case "completed":
      return withValue(VALUED.STATUS_OK, state.code);
    case "cancelled":
      return T.STATUS_CANCEL;
    case "unknown":
      return T.ERROR_SQL;
  }
}

/** `activationStatus` of getActiveActivations and `status` of getHistory. */
export function activeStatusCode(state: LegacyState): "4" | "3" | "6" | "8" | undefined {
  switch (state.kind) {
    case "waiting":
      return "4";
    case "retry":
      return "3";
    case "received":
    case "completed":
      return "6";
    case "cancelled":
      return "8";
    case "unknown":
      return undefined;
  }
}

/** Legacy `smsCode` array of getActiveActivations: the code received, or the last one while a resend is awaited. */
export function codesOf(state: LegacyState): string[] {
  if (state.kind === "received" || state.kind === "completed") return [tokenValue(state.code)];
  if (state.kind === "retry") return [tokenValue(state.lastCode)];
  return [];
}

export type UpstreamOp = "cancel" | "complete" | "resend";

/**
 * What a `setStatus` does in a given state: answer at once, or make one upstream call and answer
 * `onSuccess`. When the call gets a 409 the activation is re-read; if the re-read state asks for
 * the same call again, the conflict stands and the answer is `onConflict`.
 */
export type SetStatusDecision =
  | { kind: "answer"; token: string }
  | { kind: "call"; op: UpstreamOp; onSuccess: string; onConflict: string };

export function decideSetStatus(state: LegacyState, status: string): SetStatusDecision {
  const answer = (token: string): SetStatusDecision => ({ kind: "answer", token });
  if (state.kind === "unknown") return answer(T.ERROR_SQL);
  switch (status) {
    case "1":
      if (state.kind === "completed") return answer(T.BAD_STATUS);
      return answer(state.kind === "cancelled" ? T.STATUS_CANCEL : T.ACCESS_READY);
    case "3":
      if (state.kind === "received")
        return { kind: "call", op: "resend", onSuccess: T.ACCESS_RETRY_GET, onConflict: T.BAD_STATUS };
      if (state.kind === "completed") return answer(T.BAD_STATUS);
      return answer(state.kind === "cancelled" ? T.STATUS_CANCEL : T.ACCESS_RETRY_GET);
    case "6":
      switch (state.kind) {
        case "waiting":
          return {
            kind: "call",
            op: "cancel",
            onSuccess: T.ACCESS_ACTIVATION,
            onConflict: T.EARLY_CANCEL_DENIED,
          };
        case "received":
        case "retry":
          return { kind: "call", op: "complete", onSuccess: T.ACCESS_ACTIVATION, onConflict: T.ERROR_SQL };
        case "completed":
          return answer(T.ACCESS_ACTIVATION);
        case "cancelled":
          return answer(T.STATUS_CANCEL);
      }
      break;
    case "8":
    case "-1":
      if (state.kind === "waiting")
        return { kind: "call", op: "cancel", onSuccess: T.ACCESS_CANCEL, onConflict: T.EARLY_CANCEL_DENIED };
      return answer(state.kind === "cancelled" ? T.ACCESS_CANCEL : T.BAD_STATUS);
  }
  return answer(T.BAD_STATUS);
}
