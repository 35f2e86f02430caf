import { T } from "../../common/tokens.js";
import type { ActionContext, LegacyAnswer } from "../context.js";
import { v2Domains, v2Mailbox } from "../mailbox-render.js";
import * as ops from "./mailbox-ops.js";

/**
 * SMS-Activate's email API, V2 (REST under /api/v2, docs/legacy-protocol.md §9): the same operations
 * as V1, answering `{"data":…}`; `gateway/v2-route.ts` turns a refusal into its HTTP error.
 */
const data = (value: unknown): LegacyAnswer => ({ json: { data: value } });
const mailboxData = (m: ops.Mailbox) => data(v2Mailbox(m.id, m.mailbox));

/** The most mailboxes one batch may buy (the OpenAPI's `count` 1–10). */
const MAX_BATCH = 10;

const domainOf = (ctx: ActionContext) => ctx.params.get("mailDomain") ?? ctx.params.get("mail_domain");

export const v2DomainList = async (ctx: ActionContext) =>
  ops.answer(await ops.domainsOf(ctx, ctx.params.get("site")), (domains) => data(v2Domains(domains)));

export const v2Buy = async (ctx: ActionContext) =>
  ops.answer(await ops.buy(ctx, ctx.params.get("site"), domainOf(ctx)), mailboxData);

/**
 * Buys `count` mailboxes one after another, each its own purchase: answers those bought; only when
 * none could be bought is it the first refusal.
 */
export async function v2BuyBatch(ctx: ActionContext): Promise<LegacyAnswer> {
  const raw = ctx.params.get("count") ?? "1";
  const count = /^\d{1,2}$/.test(raw) ? Number(raw) : 0;
  if (count < 1 || count > MAX_BATCH) return T.VALIDATION_ERROR;
  const bought = [];
  let refusal: string | undefined;
  for (let i = 0; i < count; i++) {
    let one: ops.Mailbox | string;
    try {
      one = await ops.buy(ctx, ctx.params.get("site"), domainOf(ctx));
    } catch (err) {
      if (bought.length === 0) throw err;
      ctx.log.warn({ err: String(err), bought: bought.length, count }, "batch purchase ended early");
      break;
    }
    if (typeof one === "string") {
      refusal = one;
      break;
    }
    bought.push(v2Mailbox(one.id, one.mailbox));
  }
  return bought.length === 0 ? (refusal ?? T.ERROR_SQL) : data(bought);
}

export const v2Get = async (ctx: ActionContext) =>
  ops.answer(await ops.check(ctx, ctx.params.get("id")), mailboxData);

export const v2Cancel = async (ctx: ActionContext) =>
  ops.answer(await ops.cancel(ctx, ctx.params.get("id")), mailboxData);

export const v2Reorder = async (ctx: ActionContext) =>
  ops.answer(await ops.reorder(ctx, ctx.params.get("id")), mailboxData);

export async function v2List(ctx: ActionContext): Promise<LegacyAnswer> {
  const query = ops.historyQuery((name) => ctx.params.get(name));
  const { rows, total } = await ops.history(ctx, query);
  return {
    json: {
      data: rows.map((r) => v2Mailbox(r.id, r.mailbox)),
      meta: { page: query.page, size: query.perPage, sort: query.sort, total },
    },
  };
}
