import { legacyTime } from "../common/legacy-time.js";
import { T, VALUED } from "../common/tokens.js";
import { legacyStateOf } from "../mapping/status.js";
import type { Activation } from "../upstream/schemas.js";

/**
 * One activation's poll answers that are not plain getStatus tokens (docs/legacy-protocol.md §4
 * "Core", §4a, §5), pure: the upstream activation in, the answer out.
 */

type Polled = Pick<Activation, "status" | "smsCode" | "smsText" | "createdAt" | "receivedAt">;

export interface StatusV2Sms {
  dateTime: string;
  code: string;
  text: string;
}

export interface StatusV2Json {
  verificationType: 0;
  sms: StatusV2Sms | null;
  call: null;
}

/**
 * getStatusV2: `sms` is null while waiting (also for a retry code), the code and the full text once
 * one arrived (also after completion); cancelled is `STATUS_CANCEL`, an unknown state `ERROR_SQL`.
 */
export function renderStatusV2(
  activation: Polled,
): typeof T.STATUS_CANCEL | typeof T.ERROR_SQL | { json: StatusV2Json } {
  const state = legacyStateOf(activation);
  switch (state.kind) {
    case "cancelled":
      return T.STATUS_CANCEL;
    case "unknown":
      return T.ERROR_SQL;
    case "waiting":
    case "retry":
      return { json: { verificationType: 0, sms: null, call: null } };
    case "received":
    case "completed":
      return {
        json: {
          verificationType: 0,
          sms: {
            dateTime: legacyTime(activation.receivedAt ?? activation.createdAt),
            code: state.code,
            text: activation.smsText ?? state.code,
          },
          call: null,
        },
      };
  }
}

/**
 * getFullSms: `FULL_SMS:<text>` (the code when there is no text). The text may contain ':' (clients
 * split once); only line breaks are flattened.
 */
export function renderFullSms(activation: Polled): string {
  const state = legacyStateOf(activation);
  switch (state.kind) {
    case "received":
    case "completed":
      return `${VALUED.FULL_SMS}:${(activation.smsText ?? state.code).replaceAll(/[\r\n]+/g, " ")}`;
    case "waiting":
    case "retry":
      return T.STATUS_WAIT_CODE;
    case "cancelled":
      return T.STATUS_CANCEL;
    case "unknown":
      return T.ERROR_SQL;
  }
}
