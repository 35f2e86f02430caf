import type { ActionContext, LegacyAnswer } from "../context.js";
import { v1Bought, v1Domains, v1HistoryRow, v1Mailbox } from "../mailbox-render.js";
import * as ops from "./mailbox-ops.js";

/**
 * SMS-Activate's email API, V1: actions on handler_api.php answering `{"status":"OK","response":…}`
 * (docs/legacy-protocol.md §9). Refusals are wrapped by the router (`v1Refusal`).
 */
const ok = (response: unknown): LegacyAnswer => ({ json: { status: "OK", response } });
const id = (ctx: ActionContext) => ctx.params.get("id");

export const getDomains = async (ctx: ActionContext) =>
  ops.answer(await ops.domainsOf(ctx, ctx.params.get("site")), (domains) => ok(v1Domains(domains)));

// `mail_type` (1 zone, 2 popular) names SA's two lists; SMSBulk has one, so it is not needed
export const buyMailActivation = async (ctx: ActionContext) =>
  ops.answer(await ops.buy(ctx, ctx.params.get("site"), ctx.params.get("mail_domain")), (b) =>
    ok(v1Bought(b.id, b.mailbox)),
  );

export const checkMailActivation = async (ctx: ActionContext) =>
  ops.answer(await ops.check(ctx, id(ctx)), (m) => ok(v1Mailbox(m.id, m.mailbox)));

export const reorderMailActivation = async (ctx: ActionContext) =>
  ops.answer(await ops.reorder(ctx, id(ctx)), (m) => ok(v1Bought(m.id, m.mailbox)));

export const cancelMailActivation = async (ctx: ActionContext) =>
  ops.answer(await ops.cancel(ctx, id(ctx)), (m) => ok(v1Mailbox(m.id, m.mailbox)));

export async function getMailHistory(ctx: ActionContext): Promise<LegacyAnswer> {
  const { rows } = await ops.history(
    ctx,
    ops.historyQuery((name) => ctx.params.get(name)),
  );
  return ok({ list: rows.map((r) => v1HistoryRow(r.id, r.mailbox)) });
}
