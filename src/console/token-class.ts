import { JSON_ANSWER, T, VALUED } from "../common/tokens.js";

/**
 * The three kinds of legacy answer the console tells apart (docs/legacy-protocol.md §4, §6b):
 * the protocol did its job (`success`, which includes states such as STATUS_CANCEL and an empty
 * NO_ACTIVATIONS), the client is told no (`protocol`: BAD_KEY, NO_NUMBERS, WRONG_MAX_PRICE, …),
 * or the upstream failed it (`upstream`: ERROR_SQL, the token of outages, rate limits and timeouts).
 */
export type TokenClass = "success" | "protocol" | "upstream";

export const TOKEN_CLASSES: readonly TokenClass[] = ["success", "protocol", "upstream"];

const SUCCESS = new Set<string>([
  VALUED.ACCESS_BALANCE,
  VALUED.ACCESS_NUMBER,
  T.ACCESS_READY,
  T.ACCESS_RETRY_GET,
  T.ACCESS_ACTIVATION,
  T.ACCESS_CANCEL,
  T.STATUS_WAIT_CODE,
  VALUED.STATUS_WAIT_RETRY,
  VALUED.STATUS_WAIT_RESEND,
  VALUED.STATUS_OK,
  T.STATUS_CANCEL,
  VALUED.FULL_SMS,
  T.NO_ACTIVATIONS,
  JSON_ANSWER,
]);

export function tokenClass(token: string, answer: string): TokenClass {
  if (token === T.ERROR_SQL) return "upstream";
  if (token === JSON_ANSWER) return answer.startsWith('{"status":"error"') ? "protocol" : "success";
  return SUCCESS.has(token) ? "success" : "protocol";
}
