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
import type { ActionContext, LegacyAnswer } from "./context.js";

export type ActionHandler = (ctx: ActionContext) => Promise<LegacyAnswer>;

export interface ActionSpec {
  handler: ActionHandler;
  /** catalogue and not-offered actions answer without `api_key` */
  needsKey: boolean;
}

const keyed = (handler: ActionHandler): ActionSpec => ({ handler, needsKey: true });
const open = (handler: ActionHandler): ActionSpec => ({ handler, needsKey: false });

/** Action name (case-sensitive, as clients send it) → handler. */
export const ACTIONS: ReadonlyMap<string, ActionSpec> = new Map<string, ActionSpec>([
  ["getBalance", keyed(getBalance)],
  ["getBalanceAndCashBack", keyed(getBalance)],
  ["getNumber", keyed(getNumber)],
  ["getNumberV2", keyed(getNumberV2)],
  ["getStatus", keyed(getStatus)],
  ["getStatusV2", keyed(getStatusV2)],
  ["setStatus", keyed(setStatus)],
  ["getFullSms", keyed(getFullSms)],
  ["getActiveActivations", keyed(getActiveActivations)],
  ["getHistory", keyed(getHistory)],
  ...Object.entries(catalogActions).map(([name, handler]) => [name, open(handler)] as const),
  ...RENT_ACTIONS.map((name) => [name, open(rentNotOffered)] as const),
  ...OTHER_UNSUPPORTED_ACTIONS.map((name) => [name, open(notOffered)] as const),
]);
