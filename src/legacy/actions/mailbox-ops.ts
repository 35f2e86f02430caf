import { toCents } from "../../common/money.js";
import { T } from "../../common/tokens.js";
import { purchaseMailbox } from "../../money/purchase.js";
import type { ActivationRecord } from "../../store/id-store.js";
import type { EmailActivation, EmailDomain } from "../../upstream/email-schemas.js";
import { UpstreamError } from "../../upstream/errors.js";
import type { ActionContext, LegacyAnswer } from "../context.js";
import { hasMessage } from "../mailbox-render.js";
import { observedMailbox } from "../observed.js";
import { withinBudget } from "../spend.js";
import { purchaseContext } from "./number.js";

/**
 * What SMS-Activate's email API does, for its V1 actions and its V2 REST routes alike
 * (docs/legacy-protocol.md §9). Each operation answers its result, or the token of a refusal.
 */

export interface Mailbox {
  id: number;
  mailbox: EmailActivation;
}

type Refusal = string;

/** An operation's result rendered, or its refusal as it is (the router or route wraps refusals). */
export const answer = <T>(result: T | Refusal, render: (ok: T) => LegacyAnswer): LegacyAnswer =>
  typeof result === "string" ? result : render(result);

const ADDRESS_POLL_MS = 250;
const SITE = /^[a-z0-9.-]{1,100}$/i;

export async function domainsOf(
  ctx: ActionContext,
  site: string | undefined,
): Promise<EmailDomain[] | Refusal> {
  if (site === undefined || !SITE.test(site)) return T.BAD_SITE;
  try {
    return await ctx.deps.mailboxDomains.get(ctx.owner, ctx.key, site.toLowerCase());
  } catch (err) {
    if (err instanceof UpstreamError && (err.kind === "not_found" || err.kind === "rejected"))
      return T.BAD_SITE;
    throw err;
  }
}

/**
 * Buys a mailbox (sent once; a lost answer is reconciled, an undelivered one settled for a refund)
 * and answers it with its address: the upstream may fill the address in a moment later. Without
 * one by EMAIL_ADDRESS_WAIT_MS the purchase fails; its intent stays open, so the settler cancels
 * the mailbox for a refund.
 */
export async function buy(
  ctx: ActionContext,
  site: string | undefined,
  domain: string | undefined,
): Promise<Mailbox | Refusal> {
  const domains = await domainsOf(ctx, site);
  if (typeof domains === "string") return domains;
  const offered =
    domain === undefined ? undefined : domains.find((d) => d.name.toLowerCase() === domain.toLowerCase());
  if (!offered) return T.BAD_DOMAIN;
  if (offered.count === 0) return T.CHANNELS_LIMIT;
  const order = { site: site!.toLowerCase(), domain: offered.name };
  const bought = await withinBudget(
    ctx,
    "mailbox",
    async () => toCents(offered.price),
    (intentId) => purchaseMailbox({ ...purchaseContext(ctx), intentId }, order),
  );
  if (typeof bought === "string") return bought;
  const mailbox = await withAddress(ctx, bought.activation);
  ctx.deps.mailboxReads.remember(ctx.owner, mailbox);
  observedMailbox(ctx.deps, bought.record, mailbox);
  return { id: bought.record.numericId, mailbox };
}

async function withAddress(ctx: ActionContext, bought: EmailActivation): Promise<EmailActivation> {
  const giveUpAt = Date.now() + ctx.deps.settings.emailAddressWaitMs;
  let mailbox = bought;
  while (mailbox.emailAddress === null) {
    if (Date.now() >= giveUpAt) {
      throw new UpstreamError("out_of_stock", "the upstream gave the mailbox no address in time");
    }
    await new Promise((resolve) => setTimeout(resolve, ADDRESS_POLL_MS));
    mailbox = await ctx.deps.upstream.getEmailActivation(ctx.key, bought.id, { priority: "write" });
  }
  return mailbox;
}

/** The caller's mailbox of a legacy id: another key's id, a number's id or garbage are not found. */
export async function recordOf(
  ctx: ActionContext,
  id: string | undefined,
): Promise<ActivationRecord | Refusal> {
  const numericId = id !== undefined && /^\d{1,10}$/.test(id) ? Number(id) : Number.NaN;
  if (!Number.isSafeInteger(numericId)) return T.NO_ACTIVATION;
  const record = await ctx.deps.ids.resolve(numericId, ctx.owner);
  return record?.product === "email" ? record : T.NO_ACTIVATION;
}

/** A mailbox's state: at most one upstream read per mailbox and second, however often it is asked. */
export async function check(ctx: ActionContext, id: string | undefined): Promise<Mailbox | Refusal> {
  const record = await recordOf(ctx, id);
  if (typeof record === "string") return record;
  const { upstream, mailboxReads } = ctx.deps;
  const mailbox = await mailboxReads.get(ctx.owner, ctx.key, record.upstreamId, (key, upstreamId) =>
    upstream.getEmailActivation(key, upstreamId),
  );
  observedMailbox(ctx.deps, record, mailbox);
  return { id: record.numericId, mailbox };
}

/** Another message to the same address, charged again; the client keeps its id. */
export async function reorder(ctx: ActionContext, id: string | undefined): Promise<Mailbox | Refusal> {
  const record = await recordOf(ctx, id);
  if (typeof record === "string") return record;
  const mailbox = await ctx.deps.upstream.reorderEmail(ctx.key, record.upstreamId);
  if (
    mailbox.id !== record.upstreamId &&
    !(await ctx.deps.ids.repoint(record.numericId, ctx.owner, mailbox.id))
  ) {
    ctx.log.error(
      { numericId: record.numericId },
      "reordered mailbox has a new upstream id that could not be mapped",
    );
    throw new UpstreamError("invalid_response", "reorder answered an upstream id mapped elsewhere");
  }
  ctx.deps.mailboxReads.remember(ctx.owner, mailbox);
  observedMailbox(ctx.deps, { ...record, upstreamId: mailbox.id }, mailbox);
  return { id: record.numericId, mailbox };
}

/** Cancels for a refund; a mailbox that already ended answers as it is. */
export async function cancel(ctx: ActionContext, id: string | undefined): Promise<Mailbox | Refusal> {
  const record = await recordOf(ctx, id);
  if (typeof record === "string") return record;
  const { upstream, mailboxReads } = ctx.deps;
  let mailbox: EmailActivation;
  try {
    mailbox = await upstream.cancelEmail(ctx.key, record.upstreamId);
  } catch (err) {
    if (!(err instanceof UpstreamError && err.kind === "conflict")) throw err;
    // The upstream does not say which conflict: the mailbox's own state does.
    mailbox = await upstream.getEmailActivation(ctx.key, record.upstreamId, { priority: "write" });
    mailboxReads.remember(ctx.owner, mailbox);
    observedMailbox(ctx.deps, record, mailbox);
    if (hasMessage(mailbox)) return T.BAD_STATUS;
    if (mailbox.status === "WAITING" || mailbox.status === "PENDING") return T.EARLY_CANCEL_DENIED;
  }
  mailboxReads.remember(ctx.owner, mailbox);
  observedMailbox(ctx.deps, record, mailbox);
  return { id: record.numericId, mailbox };
}

export interface HistoryQuery {
  page: number;
  perPage: number;
  search?: string | undefined;
  sort: "asc" | "desc";
}

/**
 * The caller's mailboxes among the key's newest 100 upstream (no cursor exists upstream): only those
 * mapped to the caller are shown, never adopted. Search (in the address), sort by id, pages from 1.
 */
export async function history(
  ctx: ActionContext,
  q: HistoryQuery,
): Promise<{ rows: Mailbox[]; total: number }> {
  const listed = await ctx.deps.upstream.listEmailActivations(ctx.key, { limit: 100 });
  const rows: Mailbox[] = [];
  for (const mailbox of listed) {
    const record = await ctx.deps.ids.findByUpstream(mailbox.id, ctx.owner);
    if (record?.product !== "email") continue;
    observedMailbox(ctx.deps, record, mailbox);
    rows.push({ id: record.numericId, mailbox });
  }
  const needle = q.search?.toLowerCase();
  const found = needle
    ? rows.filter((r) => (r.mailbox.emailAddress ?? "").toLowerCase().includes(needle))
    : rows;
  found.sort((a, b) => (q.sort === "asc" ? a.id - b.id : b.id - a.id));
  const start = (q.page - 1) * q.perPage;
  return { rows: found.slice(start, start + q.perPage), total: found.length };
}

/** `page`, `per_page` (or `size`), `search`, `sort` as the email clients send them, bounded. */
export function historyQuery(get: (name: string) => string | undefined): HistoryQuery {
  const int = (value: string | undefined, fallback: number, max: number) => {
    const n = value !== undefined && /^\d{1,6}$/.test(value) ? Number(value) : fallback;
    return Math.min(Math.max(n, 1), max);
  };
  const sort = get("sort") ?? get("sort[id]");
  return {
    page: int(get("page"), 1, 100_000),
    perPage: int(get("per_page") ?? get("size"), 20, 100),
    search: get("search")?.slice(0, 200),
    sort: sort?.toLowerCase() === "asc" ? "asc" : "desc",
  };
}
