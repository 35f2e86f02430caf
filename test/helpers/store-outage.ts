/**
 * Rounds of purchases through an id store outage that starts just as they reach the upstream (their
 * answers held 2.5 s after the sale, the SMS 5 s after it): what the sandbox sold, and whether each
 * sale was handed to a bot or cancelled for a refund. Shared by the Redis and SQLite reproductions.
 */
import { ownerOf } from "../../src/common/owner.js";
import type { IdStore } from "../../src/store/id-store.js";
import { PURCHASE_ROUTE, setFaultRules } from "./faults.js";
import type { Pair } from "./gateway.js";
import type { InProcessGateway } from "./harness.js";
import type { TestSandboxOptions } from "./sandbox.js";
import { waitFor } from "./wait.js";

export const OUTAGE_KEY = "outage-key-000000000000000000000";
const ANSWER_LATENCY_MS = 2500;

/** The sandbox of the reproduction: real time, SMS 5 s after a sale, cancels allowed at once. */
export const outageSandbox: TestSandboxOptions = {
  clock: "real",
  config: {
    autoSms: true,
    smsDelayMs: 5000,
    cancelCooldownS: 0,
    rateLimitPerS: 100_000,
    accounts: [{ apiKey: OUTAGE_KEY, balance: "1000.00" }],
  },
};

export interface StoreOutage {
  begin(): Promise<void> | void;
  end(): Promise<void> | void;
}

export interface OutageBooks {
  sold: number;
  handed: number;
  cancelled: number;
  /** sold, handed to no bot and not refunded: money lost */
  chargedUnhanded: number;
  /** the wallet minus what the handed-out purchases cost, in cents: 0 when the books balance */
  walletDriftCents: number;
}

/**
 * `rounds` rounds of `perRound` concurrent getNumber calls; each round's outage begins once the
 * sandbox sold all of them and lasts until every one of their mappings failed to store and every
 * sale received its code or was cancelled: a store that answers after the SMS is too late for the
 * orphan settler, whose cancel then fails.
 */
export async function buyThroughOutages(
  { sb, gw }: Pair<InProcessGateway>,
  outage: StoreOutage,
  { rounds = 2, perRound = 8 } = {},
): Promise<OutageBooks> {
  await setFaultRules(sb, [{ route: PURCHASE_ROUTE, phase: "after", latencyMs: ANSWER_LATENCY_MS }]);
  const upsertFailures = countUpsertFailures(gw);
  const answers: string[] = [];
  for (let round = 1; round <= rounds; round++) {
    const calls = Array.from({ length: perRound }, () =>
      gw.call({ api_key: OUTAGE_KEY, action: "getNumber", service: "tg", country: "62" }),
    );
    await waitFor(`round ${round}'s purchases to reach the upstream`, async () => {
      return (await sb.control.activations(OUTAGE_KEY)).length >= round * perRound;
    });
    await outage.begin();
    await waitFor(
      "every purchase of the round to meet the outage",
      () => upsertFailures.count >= round * perRound,
    );
    await waitFor(`every sale of round ${round} to get its code or be cancelled`, async () =>
      (await sb.control.activations(OUTAGE_KEY)).every((a) => a.status !== "WAITING"),
    );
    await outage.end();
    await waitFor("the id store to answer again", () =>
      gw.deps.ids.ping().then(
        () => true,
        () => false,
      ),
    );
    answers.push(...(await Promise.all(calls)));
  }
  await sb.control.clearFaults();
  await waitFor(
    "the settler to close every open intent",
    async () => (await gw.deps.ids.openIntents()).length === 0,
  );
  upsertFailures.restore();
  return books(sb, gw, answers);
}

async function books(
  sb: Pair<InProcessGateway>["sb"],
  gw: InProcessGateway,
  answers: string[],
): Promise<OutageBooks> {
  const handedUpstream = new Set<string>();
  for (const answer of answers) {
    if (!answer.startsWith("ACCESS_NUMBER:")) continue;
    const record = await gw.deps.ids.resolve(Number(answer.split(":")[1]), ownerOf(OUTAGE_KEY));
    if (record) handedUpstream.add(record.upstreamId);
  }
  const sold = await sb.control.activations(OUTAGE_KEY);
  const handed = sold.filter((a) => handedUpstream.has(a.id));
  const cancelled = sold.filter((a) => !handedUpstream.has(a.id) && a.status === "CANCELLED");
  const spentCents = handed.reduce(
    (cents, a) => cents + Math.round(Number((a as unknown as { userCost: string }).userCost) * 100),
    0,
  );
  const balance = (await sb.api("/wallet/balance", { key: OUTAGE_KEY })).body.balance as string;
  return {
    sold: sold.length,
    handed: handed.length,
    cancelled: cancelled.length,
    chargedUnhanded: sold.length - handed.length - cancelled.length,
    walletDriftCents: 100_000 - spentCents - Math.round(Number(balance) * 100),
  };
}

/** Counts the gateway's failed upserts (it may already be wrapped by the outage). */
function countUpsertFailures(gw: InProcessGateway): { count: number; restore(): void } {
  const real = gw.deps.ids;
  const counting: IdStore = Object.create(real);
  const counter = {
    count: 0,
    restore: () => {
      gw.deps.ids = real;
    },
  };
  counting.upsert = (...args) =>
    real.upsert(...args).catch((err: unknown) => {
      counter.count += 1;
      throw err;
    });
  gw.deps.ids = counting;
  return counter;
}
