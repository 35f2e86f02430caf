import { emailActivationSchema } from "../upstream/email-schemas.js";
import { errorBodySchema } from "../upstream/schemas.js";
import { checked } from "./checked-call.js";
import { type CallTarget, callUpstream, jsonOf } from "./http.js";
import { describeIssues } from "./issues.js";
import type { ProbeResult } from "./types.js";

const CONSEQUENCE =
  "cancelMailActivation would answer ERROR_SQL, and mailboxes the gateway cancels for a refund (lost answers, no address) would stay charged";

/** DELETE, once more after `cancellableAt` if the upstream answered 409 before it. */
export async function cancelMailbox(
  target: CallTarget,
  path: string,
  cancelWaitMs: number,
  sleep: (ms: number) => Promise<void>,
): Promise<ProbeResult> {
  const once = () =>
    checked(
      target,
      { method: "DELETE", path, withKey: true },
      `DELETE ${path}`,
      [200],
      emailActivationSchema,
      CONSEQUENCE,
    );
  let cancel = await once();
  let tries = 1;
  if (cancel.result.status === 409) {
    const now = await callUpstream(target, { path, withKey: true });
    const parsed = "noAnswer" in now ? undefined : emailActivationSchema.safeParse(jsonOf(now.text)?.json);
    const at = parsed?.success ? Date.parse(parsed.data.cancellableAt ?? "") : Number.NaN;
    const waitMs = at - Date.now();
    if (waitMs > 0 && waitMs <= cancelWaitMs) {
      await sleep(waitMs + 250);
      cancel = await once();
      tries++;
    }
  }
  const r = cancel.result;
  if (tries > 1) r.request += " (again after cancellableAt)";
  if (cancel.data) {
    r.notes.push(`cancelled: status ${cancel.data.status}`);
    return r;
  }
  if (r.status !== 409) return r;
  // A 409 is a documented answer (a message came, or before cancellableAt): its body must be readable.
  const body = errorBodySchema.safeParse(cancel.raw);
  if (!body.success) {
    r.differences = describeIssues(body.error.issues).map((d) => `409 body: ${d}`);
    return r;
  }
  return {
    ...r,
    matched: true,
    differences: [],
    notes: [
      "NOT CANCELLED: 409 (a message arrived, or still before cancellableAt); the mailbox ends at its expiry, refunded if no message came",
    ],
  };
}
