import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerOf } from "../../src/common/owner.js";
import { verifyWebhook } from "../../src/webhooks/signature.js";
import { parseAccessNumber, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { mulberry32 as seededRandom } from "../helpers/random.js";
import { type ReceivedHook, startReceiver, type TestReceiver } from "../helpers/receiver.js";
import { report } from "../helpers/report.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";
import { waitFor } from "../helpers/wait.js";

/**
 * A receiver that is down for about 30 s (connection refused, then 500s, then hanging) gets every
 * delivery once it recovers, each X-Webhook-Id accepted once, each activation's codes in order.
 * WEBHOOK_URL without KEYS_FILE: every key that buys through the gateway has this receiver.
 */
const KEY = "webhook-outage-key-00000000000000";
const SECRET = "whsec_outage-test-secret-000001";
const PHASE_MS = 10_000;

let sb: TestSandbox;
let gw: TestGateway;
let rx: TestReceiver;

async function metric(name: string, labels = ""): Promise<number> {
  const text = (await gw.raw("/metrics")).body.toString("utf8");
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ""} `));
  return line ? Number(line.split(" ").pop()) : 0;
}

beforeAll(async () => {
  sb = await startTestSandbox({
    clock: "real",
    random: seededRandom(34),
    config: { autoSms: false, rateLimitPerS: 100_000, accounts: [{ apiKey: KEY, balance: "100.00" }] },
  });
  rx = await startReceiver();
  await rx.down();
  gw = await startTestGateway({
    upstreamUrl: sb.baseUrl,
    env: {
      WEBHOOK_URL: rx.url,
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_TIMEOUT_MS: "1000",
      WEBHOOK_RETRY_S: "1,1,2,2,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3",
      TRACK_INTERVAL_MS: "500",
    },
  });
});
afterAll(async () => {
  await gw?.close();
  await rx?.close();
  await sb?.close();
});

describe("a receiver down for ~30 s", () => {
  it("gets every delivery after it recovers, each id accepted once, in order per activation", async () => {
    const call = (params: Record<string, string>) => gw.call({ api_key: KEY, ...params });
    const expected: { id: number; code: string }[] = [];
    const bought: { id: number; upstreamId: string }[] = [];
    for (let i = 0; i < 4; i++) {
      const id = Number(
        parseAccessNumber(await call({ action: "getNumber", service: "tg", country: "62" })).id,
      );
      const record = await gw.running.deps.ids.resolve(id, ownerOf(KEY));
      bought.push({ id, upstreamId: record!.upstreamId });
    }
    const downSince = Date.now();
    for (const [i, { id, upstreamId }] of bought.entries()) {
      const code = String(40_000 + i);
      await sb.control.deliverSms({ activationId: upstreamId }, `Your code is ${code}`);
      expected.push({ id, code });
    }
    // two activations get a second code after a resend, while the first is still undelivered
    for (const [i, { id, upstreamId }] of bought.slice(0, 2).entries()) {
      await waitFor(`code 1 of ${id} seen`, async () =>
        (await call({ action: "getStatus", id: String(id) })).startsWith("STATUS_OK") ? true : undefined,
      );
      expect(await call({ action: "setStatus", id: String(id), status: "3" })).toBe("ACCESS_RETRY_GET");
      const code = String(50_000 + i);
      await sb.control.deliverSms({ activationId: upstreamId }, `Your new code is ${code}`);
      expected.push({ id, code });
    }

    // phase 1: connection refused (nothing listens), until retries were made for 10 s
    await waitFor(
      "retries against a closed port",
      async () =>
        Date.now() - downSince >= PHASE_MS &&
        (await metric("smsgw_webhook_deliveries_total", 'result="retried"')) >= 8
          ? true
          : undefined,
      { timeoutMs: 60000 },
    );
    expect(rx.requests).toEqual([]);
    // phase 2: 500s
    rx.mode = "fail";
    await rx.up();
    const failingSince = Date.now();
    await waitFor(
      "500s for 10 s",
      async () =>
        Date.now() - failingSince >= PHASE_MS && rx.requests.filter((r) => r.status === 500).length >= 6
          ? true
          : undefined,
      { timeoutMs: 60000 },
    );
    // phase 3: hanging (each attempt times out after WEBHOOK_TIMEOUT_MS)
    rx.mode = "hang";
    const hangingSince = Date.now();
    const before = rx.requests.length;
    await waitFor(
      "hangs for 10 s",
      async () =>
        Date.now() - hangingSince >= PHASE_MS && rx.requests.length - before >= 4 ? true : undefined,
      { timeoutMs: 60000 },
    );
    expect(rx.accepted()).toEqual([]);
    expect(await metric("smsgw_webhook_pending")).toBe(expected.length);
    expect(await metric("smsgw_webhook_oldest_pending_seconds")).toBeGreaterThanOrEqual(20);

    // recovery
    rx.mode = "ok";
    await waitFor(
      "every delivery accepted",
      async () => (rx.accepted().length >= expected.length ? true : undefined),
      { timeoutMs: 60000 },
    );
    await waitFor("the outbox empty", async () =>
      (await metric("smsgw_webhook_pending")) === 0 ? true : undefined,
    );

    const accepted = rx.accepted();
    report("receiver down, then back", {
      outageS: Math.round((Date.now() - downSince) / 1000),
      attempts: rx.requests.length,
      accepted: accepted.length,
      expected: expected.length,
    });
    const byId = new Map<string, ReceivedHook[]>();
    for (const hook of accepted) byId.set(hook.id, [...(byId.get(hook.id) ?? []), hook]);
    for (const [id, hooks] of byId) {
      expect(hooks, `${id} accepted once`).toHaveLength(1);
      expect(verifyWebhook(SECRET, hooks[0]!, Math.floor(hooks[0]!.at / 1000))).toBe(true);
    }
    const got = accepted.map((h) => `${h.json.activationId}:${h.json.code}`).sort();
    expect(got).toEqual(expected.map((e) => `${e.id}:${e.code}`).sort());
    // every attempt of one delivery carried the same id and body
    for (const hook of rx.requests) expect(byId.get(hook.id)?.[0]?.body).toBe(hook.body);
    // in order per activation: no attempt of the second code before the first was accepted
    for (const { id } of bought.slice(0, 2)) {
      const ofIt = rx.requests.filter((r) => r.json.activationId === id);
      const firstAccepted = ofIt.findIndex((r) => r.status === 200);
      const firstOfSecond = ofIt.findIndex((r) => r.json.code.startsWith("5"));
      expect(firstAccepted).toBeGreaterThanOrEqual(0);
      expect(firstOfSecond).toBeGreaterThan(firstAccepted);
      expect(ofIt[firstAccepted]!.json.code.startsWith("4")).toBe(true);
    }
    expect(await metric("smsgw_webhook_deliveries_total", 'result="given_up"')).toBe(0);
    expect(await metric("smsgw_webhook_deliveries_total", 'result="delivered"')).toBe(expected.length);
  }, 120_000);
});
