import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerOf } from "../../src/common/owner.js";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

/**
 * Purchases whose answers are lost after the upstream committed them (500s, dropped connections,
 * latency beyond the gateway's deadline): every purchase the sandbox made is handed to exactly one
 * client or cancelled by the gateway for a refund. Never a second purchase, never an orphan.
 */
const DEADLINE_MS = 400;
const CALLS = 200;
const CONCURRENCY = 8;

const logs: string[] = [];
let sb: TestSandbox;
let gw: TestGateway;
const key = "money-key-0000000000000000000000";

beforeAll(async () => {
  sb = await startTestSandbox({
    clock: "real",
    config: { autoSms: false, cancelCooldownS: 0, accounts: [{ apiKey: key, balance: "1000.00" }] },
  });
  gw = await startTestGateway({
    log: pino({ level: "info" }, { write: (line: string) => logs.push(line) }),
    upstreamUrl: sb.baseUrl,
    env: {
      PURCHASE_TIMEOUT_MS: String(DEADLINE_MS),
      UPSTREAM_TIMEOUT_MS: String(DEADLINE_MS),
      BREAKER_THRESHOLD: "1000", // every purchase must reach the upstream here
      ORPHAN_SWEEP_S: "1",
      STATUS_CACHE_MS: "0",
    },
  });
});
afterAll(async () => {
  await gw.close();
  await sb.close();
});

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return check();
}

describe("purchases with lost answers", () => {
  it(`${CALLS} getNumber calls under after-commit faults: each purchase handed out once or refunded`, async () => {
    await sb.control.setFaults([
      { route: "POST /api/v1/activations", phase: "after", error500: 0.2, drop: 0.1 },
      { route: "POST /api/v1/activations", phase: "after", latencyMs: DEADLINE_MS + 400, latencyChance: 0.1 },
    ]);
    const answers: string[] = [];
    let slowest = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < CALLS) {
          next += 1;
          const started = Date.now();
          const res = await gw.raw(
            `/stubs/handler_api.php?api_key=${key}&action=getNumber&service=tg&country=62`,
          );
          slowest = Math.max(slowest, Date.now() - started);
          expect(res.status).toBe(200);
          answers.push(res.body.toString());
        }
      }),
    );
    await sb.control.clearFaults();

    // Every request got a protocol answer within the deadline (+ reconciliation, + 1 s).
    expect(answers).toHaveLength(CALLS);
    for (const a of answers) expect(a).toMatch(/^(ACCESS_NUMBER:\d+:\d+|ERROR_SQL)$/);
    expect(slowest).toBeLessThanOrEqual(DEADLINE_MS + 1000);

    const handedIds = answers
      .filter((a) => a.startsWith("ACCESS_NUMBER"))
      .map((a) => Number(a.split(":")[1]));
    expect(new Set(handedIds).size).toBe(handedIds.length); // no id given to two clients
    const owner = ownerOf(key);
    const handedUpstream = new Set<string>();
    for (const id of handedIds) {
      const record = await gw.running.deps.ids.resolve(id, owner);
      expect(record).toBeDefined();
      handedUpstream.add(record!.upstreamId);
    }
    expect(handedUpstream.size).toBe(handedIds.length); // no activation behind two ids

    // The settler closes every open intent: lost purchases are mapped and cancelled.
    const settled = await waitFor(async () => (await gw.running.deps.ids.openIntents()).length === 0, 20_000);
    expect(settled).toBe(true);

    const purchases = await sb.control.activations(key);
    const lostAnswers = logs.filter((l) => l.includes("ambiguous purchase: reconciling")).length;
    expect(lostAnswers).toBeGreaterThan(CALLS * 0.2); // the faults did lose answers after the purchase
    expect(purchases.length).toBeGreaterThanOrEqual(handedIds.length);
    expect(purchases.length).toBeLessThanOrEqual(CALLS); // never a second purchase
    for (const p of purchases) {
      if (handedUpstream.has(p.id)) expect(p.status).toBe("WAITING");
      else expect(p.status, `purchase ${p.id} neither handed out nor refunded`).toBe("CANCELLED");
    }

    // Money: the balance is exactly what the handed-out purchases cost.
    const spent = purchases
      .filter((p) => handedUpstream.has(p.id))
      .reduce(
        (cents, p) => cents + Math.round(Number((p as unknown as { userCost: string }).userCost) * 100),
        0,
      );
    const balance = (await sb.api("/wallet/balance", { key })).body.balance as string;
    expect(Math.round(Number(balance) * 100)).toBe(100_000 - spent);
  }, 120_000);
});
