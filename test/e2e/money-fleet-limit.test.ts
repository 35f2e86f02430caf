import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { centsToFixed2, toCents } from "../../src/common/money.js";
import { ownerOf } from "../../src/common/owner.js";
import { addKey, emptyKeyFile, setLimits, writeKeyFile } from "../../src/keys/key-file.js";
import { faultRuleSchema } from "../../src/sandbox/faults.js";
import { openRedisIdStore } from "../../src/store/redis.js";
import { LATE_AND_LOST, startFleetSandbox } from "../helpers/fleet.js";
import { type SpawnedGateway, spawnGateway } from "../helpers/process.js";
import { seededRandom } from "../helpers/random.js";
import { type RedisServer, startRedis } from "../helpers/redis.js";
import { report } from "../helpers/report.js";
import type { TestSandbox } from "../helpers/sandbox.js";
import { pause, waitFor } from "../helpers/wait.js";

/**
 * One gateway key with a daily limit of USD 5 (prices 0.45 and 0.90), 16 bots buying as fast as
 * they can for 20 s over two replicas on one Redis, purchase answers late or lost after the commit,
 * one replica killed mid-purchase: the charges kept never pass the limit, every refusal is
 * NO_BALANCE, every activation sold is handed to one bot or refunded.
 */
const UPSTREAM_KEY = "fleet-limit-key-00000000000000000";
const LIMIT_CENTS = 500;
const REFUNDED = new Set(["CANCELLED", "EXPIRED", "REFUNDED"]);

describe("a daily limit under a fleet on two replicas with a kill -9", () => {
  let redis: RedisServer;
  let sb: TestSandbox;
  let replicas: SpawnedGateway[] = [];
  let gatewayKey = "";

  beforeAll(async () => {
    redis = await startRedis();
    // SMS well after the survivor takes the killed replica's purchases over (its heartbeat lapses in
    // 10 s), so each of those is still refundable: the kill must lose no money, not just keep it listed
    sb = await startFleetSandbox(UPSTREAM_KEY, { salt: 31, smsDelayMs: 15_000 });
    await sb.control.setOffer("tg", "ID", { price: "0.45", stock: 10_000 });
    await sb.control.setOffer("wa", "ID", { price: "0.90", stock: 10_000 });
    const added = addKey(emptyKeyFile(), { upstreamKey: UPSTREAM_KEY, label: "limited" });
    gatewayKey = added.gatewayKey;
    const keysFile = join(mkdtempSync(join(tmpdir(), "fleet-limit-")), "keys.json");
    writeKeyFile(keysFile, setLimits(added.file, added.entry.id, { dailyCents: LIMIT_CENTS }).file);
    const env = {
      UPSTREAM_URL: sb.baseUrl,
      REDIS_URL: redis.url,
      KEYS_FILE: keysFile,
      PURCHASE_TIMEOUT_MS: "1000",
      ORPHAN_SWEEP_S: "1",
      CATALOG_RATE_PER_S: "1000",
    };
    replicas = await Promise.all([spawnGateway(env), spawnGateway(env)]);
  });
  afterAll(async () => {
    for (const r of replicas) await r.kill();
    await sb?.close();
    await redis?.stop();
  });

  it("keeps the charges within the limit, refuses with NO_BALANCE only, and loses nothing", async () => {
    const random = seededRandom(37);
    const handed = new Map<string, number>();
    const buyAnswers = new Map<string, number>();
    const count = (answer: string) => buyAnswers.set(answer, (buyAnswers.get(answer) ?? 0) + 1);
    const call = async (params: Record<string, string>) => {
      const alive = replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null);
      const replica = alive[Math.floor(random() * alive.length)];
      if (!replica) return undefined;
      return replica.call({ api_key: gatewayKey, ...params }).catch(() => undefined);
    };
    const deadline = Date.now() + 20_000;
    const bot = async (service: string) => {
      while (Date.now() < deadline) {
        const answer = await call({ action: "getNumber", service, country: "6" });
        if (answer === undefined) {
          count("(no answer)");
          continue;
        }
        const word = answer.split(":")[0]!;
        count(word);
        if (word !== "ACCESS_NUMBER") {
          await pause(20 + random() * 50);
          continue;
        }
        const id = answer.split(":")[1]!;
        handed.set(id, (handed.get(id) ?? 0) + 1);
        // most cancel at once (a refund, so the budget keeps moving), the rest wait for the code
        if (random() < 0.7) await call({ action: "setStatus", id, status: "8" });
        else
          for (let i = 0; i < 40 && Date.now() < deadline + 5000; i++) {
            const status = await call({ action: "getStatus", id });
            if (status?.startsWith("STATUS_OK")) {
              await call({ action: "setStatus", id, status: "6" });
              break;
            }
            await pause(200);
          }
      }
    };
    const killOne = async () => {
      await pause(1500);
      const before = (await sb.control.stats()).purchases;
      await sb.control.setFaults([
        faultRuleSchema.parse({ route: "POST /api/v1/activations", phase: "after", latencyMs: 3000 }),
      ]);
      await waitFor(
        "a purchase committed and unanswered",
        async () => (await sb.control.stats()).purchases > before,
      );
      await replicas[0]!.kill();
      await sb.control.setFaults(LATE_AND_LOST);
    };
    await Promise.all([
      ...Array.from({ length: 8 }, () => bot("tg")),
      ...Array.from({ length: 8 }, () => bot("wa")),
      killOne(),
    ]);

    const store = await openRedisIdStore({ url: redis.url });
    const handedUpstream = new Set<string>();
    try {
      await waitFor("every purchase intent settled", async () => (await store.openIntents()).length === 0, {
        timeoutMs: 60_000,
        everyMs: 200,
      });
      for (const id of handed.keys()) {
        const record = await store.resolve(Number(id), ownerOf(gatewayKey));
        expect(record, `handed id ${id}`).toBeDefined();
        handedUpstream.add(record!.upstreamId);
      }
    } finally {
      await store.close();
    }
    const sold = await sb.control.activations(UPSTREAM_KEY);
    const lost = sold.filter((a) => !handedUpstream.has(a.id) && !REFUNDED.has(a.status));
    const kept = (sold as { status: string; userCost?: string }[]).filter((a) => !REFUNDED.has(a.status));
    const keptCents = kept.reduce((sum, a) => sum + (toCents(a.userCost ?? "0") ?? 0), 0);
    const refusals = [...buyAnswers].filter(([word]) => !["ACCESS_NUMBER", "(no answer)"].includes(word));
    const survivor = replicas[1]!;
    const balance = await survivor.call({ api_key: gatewayKey, action: "getBalance" });
    report("a daily limit of 5.00 under a fleet", {
      sold: sold.length,
      handed: handed.size,
      refundedUnhanded: sold.length - handedUpstream.size - lost.length,
      keptCents,
      answers: Object.fromEntries(buyAnswers),
      balanceAfter: balance,
    });
    for (const [id, times] of handed) expect(times, `id ${id} handed ${times} times`).toBe(1);
    expect(keptCents).toBeLessThanOrEqual(LIMIT_CENTS);
    expect(refusals.map(([word]) => word)).toEqual(["NO_BALANCE"]);
    expect(lost, "charged and handed to no bot").toEqual([]);
    expect(handed.size).toBeGreaterThan(5);
    // what is left to spend is what the kept charges leave (the refunds were given back)
    const left = toCents(balance.split(":")[1] ?? "") ?? -1;
    expect(left).toBeLessThanOrEqual(LIMIT_CENTS - keptCents);
    expect(left, `balance ${balance} with ${centsToFixed2(keptCents)} kept`).toBeGreaterThanOrEqual(
      LIMIT_CENTS - keptCents - 90,
    );

    // the numbers still waiting are cancelled: their money comes back, and the key buys again
    for (const id of handed.keys())
      await survivor.call({ api_key: gatewayKey, action: "setStatus", id, status: "8" });
    const keptNow = (await sb.control.activations(UPSTREAM_KEY)).filter((a) => !REFUNDED.has(a.status));
    const keptNowCents = keptNow.reduce(
      (sum, a) => sum + (toCents((a as { userCost?: string }).userCost ?? "0") ?? 0),
      0,
    );
    const freed = await survivor.call({ api_key: gatewayKey, action: "getBalance" });
    expect(toCents(freed.split(":")[1] ?? "")).toBe(LIMIT_CENTS - keptNowCents);
    let bought = 0;
    for (;;) {
      const again = await survivor.call({
        api_key: gatewayKey,
        action: "getNumber",
        service: "tg",
        country: "6",
      });
      if (!again.startsWith("ACCESS_NUMBER")) {
        expect(again).toBe("NO_BALANCE");
        break;
      }
      bought += 1;
    }
    const finalKept = (await sb.control.activations(UPSTREAM_KEY))
      .filter((a) => !REFUNDED.has(a.status))
      .reduce((sum, a) => sum + (toCents((a as { userCost?: string }).userCost ?? "0") ?? 0), 0);
    report("after the waiting numbers were cancelled", {
      freed,
      boughtAgain: bought,
      finalKeptCents: finalKept,
    });
    expect(bought).toBe(Math.floor((LIMIT_CENTS - keptNowCents) / 45));
    expect(finalKept).toBeLessThanOrEqual(LIMIT_CENTS);
  }, 150_000);
});
