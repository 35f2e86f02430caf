/** A mailbox bought through SMS-Activate's V1 email API: waiting for its message, cancelling, settling. */
import { summarize } from "./activation.js";
import type { CheckContext, Purchase } from "./context.js";
import { envelopeOf, v1 } from "./email-wire.js";
import { enc, isObject } from "./wire.js";

export interface MailWait {
  answers: string[];
  message?: string;
  ended?: boolean;
  ms: number;
  /** answers that were not a mailbox in the OK envelope */
  bad: string[];
}

/** Polls checkMailActivation until `full_message` comes, the mailbox ends (CANCEL), or `deadline`. */
export async function waitForMessage(ctx: CheckContext, p: Purchase, deadline: number): Promise<MailWait> {
  const started = ctx.now();
  const w: MailWait = { answers: [], bad: [], ms: 0 };
  for (;;) {
    const ex = await v1(ctx, `action=checkMailActivation&id=${enc(p.id)}`);
    const e = envelopeOf(ex.body);
    const m = "ok" in e && e.ok && isObject(e.response) ? e.response : undefined;
    w.answers.push(m ? String(m.status) : ex.status === undefined ? "(no answer)" : ex.body.slice(0, 60));
    if (!m || String(m.id) !== p.id || !["WAIT", "SUCCESS", "CANCEL"].includes(String(m.status))) {
      w.bad.push(ex.body.slice(0, 120));
    } else if (typeof m.full_message === "string") {
      w.message = p.code = m.full_message;
    } else if (m.status === "CANCEL") {
      w.ended = true;
    }
    w.ms = ctx.now() - started;
    if (w.message !== undefined || w.ended || ctx.aborted() || ctx.now() + ctx.pollMs > deadline) return w;
    await ctx.sleep(ctx.pollMs);
  }
}

/** cancelMailActivation, retried while EARLY_CANCEL_DENIED, until `deadline`. */
export async function cancelMailbox(ctx: CheckContext, p: Purchase, deadline: number): Promise<string[]> {
  const answers: string[] = [];
  for (;;) {
    const ex = await v1(ctx, `action=cancelMailActivation&id=${enc(p.id)}`);
    const e = envelopeOf(ex.body);
    if ("ok" in e && e.ok && isObject(e.response) && e.response.status === "CANCEL") {
      p.settled = "cancelled";
      answers.push("CANCEL");
      return answers;
    }
    const error = "ok" in e && !e.ok ? e.error : undefined;
    answers.push(error ?? ex.body.slice(0, 60));
    if (error !== "EARLY_CANCEL_DENIED" || ctx.aborted() || ctx.now() + ctx.pollMs > deadline) return answers;
    await ctx.sleep(ctx.pollMs);
  }
}

/** Keeps a mailbox that got its message, else cancels it; a note for the report either way. */
export async function settleMailbox(ctx: CheckContext, p: Purchase): Promise<void> {
  if (p.settled) return;
  if (p.code === undefined) {
    const w = await waitForMessage(ctx, p, ctx.now() + ctx.waitMs);
    if (w.ended) {
      p.settled = "cancelled";
      p.note = `the endpoint ended it (CANCEL) after ${summarize(w.answers)}`;
      return;
    }
  }
  if (p.code !== undefined) {
    p.settled = "completed";
    p.note = "a message came: kept";
    return;
  }
  const answers = await cancelMailbox(ctx, p, ctx.now() + ctx.waitMs);
  p.note = `cancelMailActivation → ${summarize(answers)}`;
  if (!p.settled && answers.at(-1) === "BAD_STATUS") {
    // Refused because a message came meanwhile: one more look, and it is kept.
    const w = await waitForMessage(ctx, p, ctx.now());
    if (w.message !== undefined) p.settled = "completed";
  }
}
