/**
 * The three kinds of legacy answer the console tells apart (docs/legacy-protocol.md §4, §6b):
 * the protocol did its job (`success`, which includes states such as STATUS_CANCEL and an empty
 * NO_ACTIVATIONS), the client is told no (`protocol`: BAD_KEY, NO_NUMBERS, WRONG_MAX_PRICE, …),
 * or the upstream failed it (`upstream`: ERROR_SQL, the token of outages, rate limits and timeouts).
 */
export type TokenClass = "success" | "protocol" | "upstream";

export const TOKEN_CLASSES: readonly TokenClass[] = ["success", "protocol", "upstream"];

const SUCCESS = new Set([
  "ACCESS_BALANCE",
  "ACCESS_NUMBER",
  "ACCESS_READY",
  "ACCESS_RETRY_GET",
  "ACCESS_ACTIVATION",
  "ACCESS_CANCEL",
  "STATUS_WAIT_CODE",
  "STATUS_WAIT_RETRY",
  "STATUS_WAIT_RESEND",
  "STATUS_OK",
  "STATUS_CANCEL",
  "FULL_SMS",
  "NO_ACTIVATIONS",
  "JSON",
]);

export function tokenClass(token: string, answer: string): TokenClass {
  if (token === "ERROR_SQL") return "upstream";
  if (token === "JSON") return answer.startsWith('{"status":"error"') ? "protocol" : "success";
  return SUCCESS.has(token) ? "success" : "protocol";
}
