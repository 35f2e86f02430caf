import type { ActionContext, LegacyAnswer } from "../context.js";
import { v1Bought, v1Domains, v1HistoryRow, v1Mailbox } from "../mailbox-render.js";
import * as ops from "./mailbox-ops.js";

/**
 * SMS-Activate's email API, V1: actions on handler_api.php answering `{"status":"OK","response":…}`
 * (docs/legacy-protocol.md §9). Refusals are wrapped by the router (`v1Refusal`).
 */
const ok = (response: unknown): LegacyAnswer => ({ json: { status: "OK", response } });

export async function getDomains(ctx: ActionContext): Promise<LegacyAnswer> {
  const domains = await ops.domainsOf(ctx, ctx.params.get("site"));
  return typeof domains === "string" ? domains : ok(v1Domains(domains));
}

export async function buyMailActivation(ctx: ActionContext): Promise<LegacyAnswer> {
  const { params } = ctx;
  // `mail_type` (1 zone, 2 popular) names SA's two lists; SMSBulk has one, so it is not needed
  const bought = await ops.buy(ctx, params.get("site"), params.get("mail_domain"));
  return typeof bought === "string" ? bought : ok(v1Bought(bought.id, bought.mailbox));
}

export async function checkMailActivation(ctx: ActionContext): Promise<LegacyAnswer> {
  const found = await ops.check(ctx, ctx.params.get("id"));
  return typeof found === "string" ? found : ok(v1Mailbox(found.id, found.mailbox));
}

export async function reorderMailActivation(ctx: ActionContext): Promise<LegacyAnswer> {
  const reordered = await ops.reorder(ctx, ctx.params.get("id"));
  return typeof reordered === "string" ? reordered : ok(v1Bought(reordered.id, reordered.mailbox));
}

export async function cancelMailActivation(ctx: ActionContext): Promise<LegacyAnswer> {
  const cancelled = await ops.cancel(ctx, ctx.params.get("id"));
  return typeof cancelled === "string" ? cancelled : ok(v1Mailbox(cancelled.id, cancelled.mailbox));
}

export async function getMailHistory(ctx: ActionContext): Promise<LegacyAnswer> {
  const { rows } = await ops.history(
    ctx,
    ops.historyQuery((name) => ctx.params.get(name)),
  );
  return ok({ list: rows.map((r) => v1HistoryRow(r.id, r.mailbox)) });
}
