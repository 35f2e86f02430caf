import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerOf } from "../../src/common/owner.js";
import { faultRuleSchema } from "../../src/sandbox/faults.js";
import { openSqliteIdStore, type SqliteIdStore } from "../../src/store/sqlite.js";
import { killMidPurchaseAndRestart, twoGatewayKeys } from "../helpers/fleet.js";
import { rawRequest } from "../helpers/gateway.js";
import { freePort } from "../helpers/net.js";
import { type SpawnedGateway, spawnGateway } from "../helpers/process.js";
import { seededRandom } from "../helpers/random.js";
import { report } from "../helpers/report.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";
import { pause, waitFor } from "../helpers/wait.js";

/**
 * Mailboxes under the money rules of numbers: purchase answers late or lost after the commit,
 * buyers and a lister (another gateway key on the same upstream key) at once, and the gateway
 * killed with SIGKILL mid-purchase and started again. Every mailbox the sandbox sold is handed to
 * exactly one bot or refunded; the lister never sees a buyer's mailbox.
 */
const UPSTREAM_KEY = "email-money-key-00000000000000000";
const SITE = "telegram.com";
const BUY_ROUTE = "POST /api/v1/email-activations";
const LATE_AND_LOST = [
  { route: BUY_ROUTE, phase: "after", latencyMs: 300, drop: 0.1 },
  { route: BUY_ROUTE, phase: "after", latencyMs: 1200, latencyChance: 0.3 },
].map((rule) => faultRuleSchema.parse(rule));
const ENDED_WITH_REFUND = new Set(["CANCELLED", "EXPIRED", "REFUNDED"]);

interface SoldMailbox {
  id: string;
  status: string;
}

type V1 = { status?: string; error?: string; response?: Record<string, unknown> };

describe("mailboxes: lost answers, a lister and kill -9", () => {
  let sb: TestSandbox;
  let gateway: SpawnedGateway | undefined;
  let store: SqliteIdStore | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), "email-money-"));
  const keys = twoGatewayKeys(UPSTREAM_KEY);
  const random = seededRandom(23);
  let env: Record<string, string>;
  let domain = "";

  beforeAll(async () => {
    sb = await startTestSandbox({
      clock: "real",
      random: seededRandom(29),
      config: {
        accounts: [{ apiKey: UPSTREAM_KEY, balance: "10000.00" }],
        autoSms: true,
        smsDelayMs: 6000,
        cancelCooldownS: 0,
        rateLimitPerS: 100_000,
        faults: LATE_AND_LOST,
      },
    });
    env = {
      UPSTREAM_URL: sb.baseUrl,
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
      KEYS_FILE: keys.keysFile,
      PURCHASE_TIMEOUT_MS: "1000",
      ORPHAN_SWEEP_S: "5",
    };
    gateway = await spawnGateway(env);
  });
  afterAll(async () => {
    if (gateway && gateway.child.exitCode === null) gateway.child.kill("SIGKILL");
    await store?.close();
    await sb?.close();
  });

  const v1 = async (key: string, params: Record<string, string>): Promise<V1 | undefined> => {
    const url = `http://127.0.0.1:${env.PORT}/stubs/handler_api.php?${new URLSearchParams({ api_key: key, ...params })}`;
    try {
      return JSON.parse((await rawRequest(url)).body.toString("utf8")) as V1;
    } catch {
      return undefined; // the gateway is down: nothing was handed over
    }
  };

  const soldMailboxes = async (): Promise<SoldMailbox[]> =>
    (await sb.raw(`/sandbox/email-activations?apiKey=${encodeURIComponent(UPSTREAM_KEY)}`)).body.data;
  const emailPurchases = async (): Promise<number> => (await sb.control.stats()).emailPurchases;

  it("hands every mailbox sold to exactly one bot or refunds it", async () => {
    const domains = await v1(keys.buyerKey, { action: "getDomains", site: SITE });
    const popular = (domains?.response?.popular ?? []) as { name: string; count: number }[];
    domain = popular.find((d) => d.count > 0)?.name ?? "";
    expect(domain).not.toBe("");

    const handed = new Map<string, number>();
    const listerSaw = new Set<string>();
    const answers = new Map<string, number>();
    const count = (answer: V1 | undefined) => {
      const word = answer === undefined ? "(no answer)" : (answer.error ?? answer.status ?? "?");
      answers.set(word, (answers.get(word) ?? 0) + 1);
    };
    const deadline = Date.now() + 15_000;

    const buyer = async () => {
      while (Date.now() < deadline) {
        const bought = await v1(keys.buyerKey, {
          action: "buyMailActivation",
          site: SITE,
          mail_domain: domain,
        });
        count(bought);
        const id = bought?.status === "OK" ? String(bought.response?.id) : undefined;
        if (id === undefined) {
          await pause(50 + random() * 100);
          continue;
        }
        handed.set(id, (handed.get(id) ?? 0) + 1);
        const giveUpAt = Date.now() + (random() < 0.7 ? 8000 : 1000);
        for (;;) {
          const state = await v1(keys.buyerKey, { action: "checkMailActivation", id });
          if (state?.response && "full_message" in state.response) break;
          if (Date.now() >= giveUpAt) {
            const cancelled = await v1(keys.buyerKey, { action: "cancelMailActivation", id });
            count(cancelled);
            if (
              cancelled?.status === "OK" ||
              cancelled?.error === "BAD_STATUS" ||
              Date.now() > deadline + 10_000
            )
              break;
          }
          await pause(200 + random() * 100);
        }
      }
    };
    const lister = async () => {
      while (Date.now() < deadline) {
        const listed = await v1(keys.listerKey, { action: "getMailHistory" });
        for (const row of (listed?.response?.list ?? []) as { id: number }[]) listerSaw.add(String(row.id));
        await pause(250);
      }
    };
    let openAtCrash = 0;
    const crashAndRestart = async () => {
      await pause(6000);
      const restarted = await killMidPurchaseAndRestart(sb, gateway!, env, {
        route: BUY_ROUTE,
        purchases: emailPurchases,
        faultsAfter: LATE_AND_LOST,
      });
      gateway = restarted.gateway;
      openAtCrash = restarted.openAtCrash;
    };
    await Promise.all([buyer(), buyer(), buyer(), buyer(), lister(), crashAndRestart()]);

    store = openSqliteIdStore({ dataDir });
    await waitFor("every purchase intent settled", async () => (await store!.openIntents()).length === 0, {
      timeoutMs: 60_000,
      everyMs: 100,
    });
    const owner = ownerOf(keys.buyerKey);
    const handedUpstream = new Set<string>();
    for (const [id, times] of handed) {
      expect(times, `mailbox ${id} handed to ${times} bots`).toBe(1);
      const record = await store.resolve(Number(id), owner);
      expect(record?.product, `handed id ${id} is a mailbox of the buyer`).toBe("email");
      handedUpstream.add(record!.upstreamId);
    }
    const sold = await soldMailboxes();
    let refundedUnhanded = 0;
    const chargedUnhanded: SoldMailbox[] = [];
    for (const m of sold) {
      if (handedUpstream.has(m.id)) continue;
      if (ENDED_WITH_REFUND.has(m.status)) refundedUnhanded += 1;
      else chargedUnhanded.push(m);
    }
    const figures = {
      sold: sold.length,
      handed: handedUpstream.size,
      refundedUnhanded,
      chargedUnhanded: chargedUnhanded.length,
      openAtCrash,
      listerSaw: listerSaw.size,
      answers: Object.fromEntries(answers),
    };
    report("how each mailbox sold ended", figures);
    expect(handed.size).toBeGreaterThan(5);
    expect(answers.get("(no answer)") ?? 0).toBeGreaterThan(0); // the crash was felt
    expect(openAtCrash).toBeGreaterThan(0); // …with a purchase in flight
    expect(chargedUnhanded, "mailboxes charged and handed to no bot").toEqual([]);
    expect(handedUpstream.size + refundedUnhanded).toBe(sold.length);
    expect([...listerSaw]).toEqual([]);
  }, 120_000);
});
