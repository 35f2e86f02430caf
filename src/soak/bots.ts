/**
 * The soak's fleet: bots of every kind against the replicas, each a loop until the deadline, every
 * choice drawn from one seeded generator. What they were handed is recorded for the audit.
 */
export type Call = (params: Record<string, string>) => Promise<string | undefined>;

export interface FleetRecord {
  /** `gatewayKey:legacyId` → how many bots were handed it, and the activation it named then */
  handed: Map<string, { times: number; upstreamId: Promise<string | undefined>; address: string }>;
  /** another key's id answered with the activation itself */
  crossKey: number;
  /** those answers (for the report) */
  crossKeyAnswers: string[];
  /** answers by their first word */
  answers: Map<string, number>;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const word = (answer: string | undefined) =>
  answer === undefined ? "(no answer)" : answer.startsWith("{") ? "JSON" : (answer.split(":")[0] ?? "");

export function newRecord(): FleetRecord {
  return { handed: new Map(), crossKey: 0, crossKeyAnswers: [], answers: new Map() };
}

export interface BotContext {
  /** a call with this gateway key to a live replica */
  callAs: (key: string) => Call;
  record: FleetRecord;
  /** the activation a key's legacy id names now (read at once: a Redis that loses its data loses it) */
  resolve: (key: string, id: string) => Promise<string | undefined>;
  random: () => number;
  deadline: number;
}

function count(ctx: BotContext, answer: string | undefined): string | undefined {
  const w = word(answer);
  ctx.record.answers.set(w, (ctx.record.answers.get(w) ?? 0) + 1);
  return answer;
}

/** `address`: the phone number or email address the answer carried (how the audit finds an id lost with Redis's data). */
function handed(ctx: BotContext, key: string, id: string, address: string): void {
  const slot = `${key}:${id}`;
  const seen = ctx.record.handed.get(slot);
  if (seen) seen.times += 1;
  else ctx.record.handed.set(slot, { times: 1, upstreamId: ctx.resolve(key, id), address });
}

/** getNumber or getNumberV2 (with and without orderId), then polls: completes on a code, else cancels. */
export async function numberBuyer(ctx: BotContext, key: string): Promise<void> {
  const call = ctx.callAs(key);
  let order = 0;
  while (Date.now() < ctx.deadline) {
    const v2 = ctx.random() < 0.3;
    const params: Record<string, string> = {
      action: v2 ? "getNumberV2" : "getNumber",
      service: "tg",
      country: "6",
    };
    if (v2 && ctx.random() < 0.5) params.orderId = `soak-${key.slice(0, 6)}-${order++}`;
    const answer = count(ctx, await call(params));
    const id =
      /^ACCESS_NUMBER:(\d+):/.exec(answer ?? "")?.[1] ?? /"activationId":"(\d+)"/.exec(answer ?? "")?.[1];
    if (!id) {
      await pause(200 + ctx.random() * 300);
      continue;
    }
    const phone =
      /^ACCESS_NUMBER:\d+:(\d+)/.exec(answer ?? "")?.[1] ?? /"phoneNumber":"(\d+)"/.exec(answer ?? "")?.[1];
    handed(ctx, key, id, phone ?? "");
    const patience = Date.now() + (ctx.random() < 0.6 ? 25_000 : 1_000);
    for (;;) {
      const status = count(ctx, await call({ action: "getStatus", id }));
      if (status?.startsWith("STATUS_OK")) {
        count(ctx, await call({ action: "setStatus", id, status: ctx.random() < 0.2 ? "3" : "6" }));
        break;
      }
      if (status === "STATUS_CANCEL" || status === "NO_ACTIVATION") break;
      if (Date.now() > patience) {
        const cancelled = count(ctx, await call({ action: "setStatus", id, status: "8" }));
        if (cancelled === "ACCESS_CANCEL" || cancelled === "BAD_STATUS" || Date.now() > ctx.deadline + 20_000)
          break;
      }
      await pause(500 + ctx.random() * 500);
    }
  }
}

/** buyMailActivation, then checkMailActivation until the message, else cancel. */
export async function mailboxBuyer(ctx: BotContext, key: string): Promise<void> {
  const call = ctx.callAs(key);
  while (Date.now() < ctx.deadline) {
    const answer = count(
      ctx,
      await call({ action: "buyMailActivation", site: "telegram.com", mail_domain: "gmx.com" }),
    );
    const id = /"id":(\d+)/.exec(answer ?? "")?.[1];
    if (!answer?.includes('"status":"OK"') || !id) {
      await pause(300 + ctx.random() * 300);
      continue;
    }
    handed(ctx, key, id, /"email":"([^"]+)"/.exec(answer)?.[1] ?? "");
    const patience = Date.now() + (ctx.random() < 0.6 ? 25_000 : 1_000);
    for (;;) {
      const state = count(ctx, await call({ action: "checkMailActivation", id }));
      if (state?.includes('"full_message"') || state?.includes("NO_ACTIVATION")) break;
      if (Date.now() > patience) {
        const cancelled = count(ctx, await call({ action: "cancelMailActivation", id }));
        if (
          cancelled?.includes('"status":"OK"') ||
          cancelled?.includes("BAD_STATUS") ||
          Date.now() > ctx.deadline + 20_000
        )
          break;
      }
      await pause(500 + ctx.random() * 500);
    }
  }
}

/** Polls ids handed to other keys with its own: anything but NO_ACTIVATION is a cross-key view. */
export async function crossKeyPoller(ctx: BotContext, key: string): Promise<void> {
  const call = ctx.callAs(key);
  while (Date.now() < ctx.deadline) {
    const others = [...ctx.record.handed.keys()].filter((slot) => !slot.startsWith(`${key}:`));
    const slot = others[Math.floor(ctx.random() * others.length)];
    if (slot) {
      const id = slot.split(":")[1]!;
      for (const action of ["getStatus", "checkMailActivation"]) {
        const answer = count(ctx, await call({ action, id }));
        // a view is an answer that shows the activation; refusals (NO_ACTIVATION, ERROR_SQL while
        // Redis restarts, in either protocol) show nothing
        const shows =
          action === "getStatus"
            ? /^(STATUS_|ACCESS_)/.test(answer ?? "")
            : answer?.includes('"status":"OK"');
        if (shows) {
          ctx.record.crossKey += 1;
          ctx.record.crossKeyAnswers.push(`${action} ${id}: ${answer!.slice(0, 120)}`);
        }
      }
    }
    await pause(300);
  }
}

/** Lists its key's activations and mailboxes; an id handed only to other keys is a cross-key view. */
export async function lister(ctx: BotContext, key: string): Promise<void> {
  const call = ctx.callAs(key);
  while (Date.now() < ctx.deadline) {
    const active = count(ctx, await call({ action: "getActiveActivations" })) ?? "";
    for (const [, id] of active.matchAll(/"activationId":"(\d+)"/g)) {
      if (
        !ctx.record.handed.has(`${key}:${id}`) &&
        [...ctx.record.handed.keys()].some((s) => s.endsWith(`:${id}`))
      )
        ctx.record.crossKey += 1;
    }
    count(ctx, await call({ action: "getMailHistory" }));
    await pause(1000);
  }
}

const GARBAGE = ["getNumber", "setStatus", "getStatus", "checkMailActivation", "nonsense", "", "getPrices"];

/** Random actions and parameters: every answer must still be a protocol answer. */
export async function garbageBot(ctx: BotContext, key: string): Promise<void> {
  const call = ctx.callAs(key);
  while (Date.now() < ctx.deadline) {
    const junk = () =>
      String.fromCharCode(
        ...Array.from(
          { length: 1 + Math.floor(ctx.random() * 20) },
          () => 32 + Math.floor(ctx.random() * 90),
        ),
      );
    const action = GARBAGE[Math.floor(ctx.random() * GARBAGE.length)]!;
    count(ctx, await call({ action, id: junk(), service: junk(), country: junk(), status: junk() }));
    await pause(200);
  }
}
