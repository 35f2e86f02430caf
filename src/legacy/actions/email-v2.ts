import { T } from "../../common/tokens.js";
import type { ActionContext, LegacyAnswer } from "../context.js";
import { v2Domains, v2Mailbox } from "../mailbox-render.js";
import * as ops from "./mailbox-ops.js";

/**
 * SMS-Activate's email API, V2 (REST under /api/v2, docs/legacy-protocol.md §9): the same operations
 * as V1, answering `{"data":…}`; `gateway/v2-route.ts` turns a refusal into its HTTP error.
 */
const data = (value: unknown): LegacyAnswer => ({ json: { data: value } });

/** The most mailboxes one batch may buy (the OpenAPI's `count` 1–10). */
const MAX_BATCH = 10;

const domainOf = (ctx: ActionContext) => ctx.params.get("mailDomain") ?? ctx.params.get("mail_domain");

export async function v2DomainList(ctx: ActionContext): Promise<LegacyAnswer> {
  const domains = await ops.domainsOf(ctx, ctx.params.get("site"));
  return typeof domains === "string" ? domains : data(v2Domains(domains));
}

export async function v2Buy(ctx: ActionContext): Promise<LegacyAnswer> {
  const bought = await ops.buy(ctx, ctx.params.get("site"), domainOf(ctx));
  return typeof bought === "string" ? bought : data(v2Mailbox(bought.id, bought.mailbox));
}

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

export async function v2Get(ctx: ActionContext): Promise<LegacyAnswer> {
  const found = await ops.check(ctx, ctx.params.get("id"));
  return typeof found === "string" ? found : data(v2Mailbox(found.id, found.mailbox));
}

export async function v2Cancel(ctx: ActionContext): Promise<LegacyAnswer> {
  const cancelled = await ops.cancel(ctx, ctx.params.get("id"));
  return typeof cancelled === "string" ? cancelled : data(v2Mailbox(cancelled.id, cancelled.mailbox));
}

export async function v2Reorder(ctx: ActionContext): Promise<LegacyAnswer> {
  const reordered = await ops.reorder(ctx, ctx.params.get("id"));
  return typeof reordered === "string" ? reordered : data(v2Mailbox(reordered.id, reordered.mailbox));
}

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
