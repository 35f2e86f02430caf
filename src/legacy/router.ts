import { getActiveActivations, getHistory } from "./actions/active.js";
import { getBalance } from "./actions/balance.js";
import { catalogActions } from "./actions/catalog.js";
import { getNumber, getNumberV2 } from "./actions/number.js";
import { getFullSms, getStatus, getStatusV2, setStatus } from "./actions/status.js";
import {
  notOffered,
  OTHER_UNSUPPORTED_ACTIONS,
  RENT_ACTIONS,
  rentNotOffered,
} from "./actions/unsupported.js";
import type { ActionGroup, ActionHandler, ActionSpec } from "./context.js";

const keyed =
  (group: ActionGroup) =>
  (handler: ActionHandler): ActionSpec => ({ handler, group, needsKey: true });
const open = (handler: ActionHandler): ActionSpec => ({ handler, group: "catalogue", needsKey: false });
const account = keyed("account");
const purchase = keyed("purchase");
const activation = keyed("activation");

/** Action name (case-sensitive, as clients send it) → handler, failure-table column, key needed. */
export const ACTIONS: ReadonlyMap<string, ActionSpec> = new Map<string, ActionSpec>([
  ["getBalance", account(getBalance)],
  ["getBalanceAndCashBack", account(getBalance)],
  ["getNumber", purchase(getNumber)],
  ["getNumberV2", purchase(getNumberV2)],
  ["getStatus", activation(getStatus)],
  ["getStatusV2", activation(getStatusV2)],
  ["setStatus", activation(setStatus)],
  ["getFullSms", activation(getFullSms)],
  ["getActiveActivations", activation(getActiveActivations)],
  ["getHistory", activation(getHistory)],
  ...Object.entries(catalogActions).map(([name, handler]) => [name, open(handler)] as const),
  ...RENT_ACTIONS.map((name) => [name, open(rentNotOffered)] as const),
  ...OTHER_UNSUPPORTED_ACTIONS.map((name) => [name, open(notOffered)] as const),
]);
