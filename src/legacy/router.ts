import { getActiveActivations, getHistory } from "./actions/active.js";
import { getBalance } from "./actions/balance.js";
import { catalogActions } from "./actions/catalog.js";
import {
  buyMailActivation,
  cancelMailActivation,
  checkMailActivation,
  getDomains,
  getMailHistory,
  reorderMailActivation,
} from "./actions/email-v1.js";
import { v2Buy, v2BuyBatch, v2Cancel, v2DomainList, v2Get, v2List, v2Reorder } from "./actions/email-v2.js";
import { getNumber, getNumberV2 } from "./actions/number.js";
import { getFullSms, getStatus, getStatusV2, setStatus } from "./actions/status.js";
import {
  notOffered,
  OTHER_UNSUPPORTED_ACTIONS,
  RENT_ACTIONS,
  rentNotOffered,
} from "./actions/unsupported.js";
import type { ActionGroup, ActionHandler, ActionSpec } from "./context.js";
import { v1Refusal } from "./mailbox-render.js";

const keyed =
  (group: ActionGroup) =>
  (handler: ActionHandler): ActionSpec => ({ handler, group, needsKey: true });
const open = (handler: ActionHandler): ActionSpec => ({ handler, group: "catalogue", needsKey: false });
const account = keyed("account");
const purchase = keyed("purchase");
const activation = keyed("activation");
const mailbox = (handler: ActionHandler): ActionSpec => ({
  handler,
  group: "mailbox",
  needsKey: true,
  refusal: v1Refusal,
});

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
  ["getDomains", mailbox(getDomains)],
  ["buyMailActivation", mailbox(buyMailActivation)],
  ["checkMailActivation", mailbox(checkMailActivation)],
  ["reorderMailActivation", mailbox(reorderMailActivation)],
  ["cancelMailActivation", mailbox(cancelMailActivation)],
  ["getMailHistory", mailbox(getMailHistory)],
  ...Object.entries(catalogActions).map(([name, handler]) => [name, open(handler)] as const),
  ...RENT_ACTIONS.map((name) => [name, open(rentNotOffered)] as const),
  ...OTHER_UNSUPPORTED_ACTIONS.map((name) => [name, open(notOffered)] as const),
]);

/** SMS-Activate's V2 email routes (`gateway/v2-route.ts`), by the action name each route gives. */
export const V2_ACTIONS: ReadonlyMap<string, ActionSpec> = new Map<string, ActionSpec>([
  ["v2.domains", keyed("mailbox")(v2DomainList)],
  ["v2.buy", keyed("mailbox")(v2Buy)],
  ["v2.buyBatch", keyed("mailbox")(v2BuyBatch)],
  ["v2.get", keyed("mailbox")(v2Get)],
  ["v2.cancel", keyed("mailbox")(v2Cancel)],
  ["v2.reorder", keyed("mailbox")(v2Reorder)],
  ["v2.list", keyed("mailbox")(v2List)],
]);
