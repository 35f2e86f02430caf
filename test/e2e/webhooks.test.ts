import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { legacyTime } from "../../src/common/legacy-time.js";
import { ownerOf } from "../../src/common/owner.js";
import { addKey, emptyKeyFile, type KeyFile, revokeKey, writeKeyFile } from "../../src/keys/key-file.js";
import { verifyWebhook } from "../../src/webhooks/signature.js";
import { parseAccessNumber, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { mulberry32 as seededRandom } from "../helpers/random.js";
import { type ReceivedHook, startReceiver, type TestReceiver } from "../helpers/receiver.js";
import { report } from "../helpers/report.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";
import { waitFor } from "../helpers/wait.js";

/**
 * Webhooks (docs/legacy-protocol.md §8) with gateway keys: the tracker learns of each SMS with no
 * bot polling, and the gateway POSTs it, signed, to the key's receiver. Receivers are small
 * node:http servers started here; the sandbox counts the upstream calls.
 */
const UPSTREAM_KEY = "webhook-upstream-key-000000000000";
const OTHER_UPSTREAM_KEY = "webhook-upstream-key-111111111111";
const INTERVAL_MS = 1000;
const LIST = "GET /api/v1/activations";
const READ = "GET /api/v1/activations/:id";

interface Issued {
  gatewayKey: string;
  id: string;
  secret: string | undefined;
}

let sb: TestSandbox;
let gw: TestGateway;
let rxA: TestReceiver;
let rxC: TestReceiver;
let rxD: TestReceiver;
let keysPath: string;
let file: KeyFile;
const issued: Record<"a" | "b" | "c" | "d", Issued> = {} as never;

function issue(upstreamKey: string, webhookUrl?: string): Issued {
  const added = addKey(file, { upstreamKey, ...(webhookUrl && { webhookUrl }) });
  file = added.file;
  return { gatewayKey: added.gatewayKey, id: added.entry.id, secret: added.entry.webhook?.secret };
}

const requests = async () => (await sb.control.stats()).requests as Record<string, number>;
const count = async (route: string) => (await requests())[route] ?? 0;

async function metric(name: string, labels = ""): Promise<number> {
  const text = (await gw.raw("/metrics")).body.toString("utf8");
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name}${labels ? `{${labels}}` : ""} `) || (!labels && line.startsWith(`${name}{`)))
      sum += Number(line.split(" ").pop());
  }
  return sum;
}

async function buy(who: Issued): Promise<{ id: number; upstreamId: string }> {
  const answer = await gw.call({
    api_key: who.gatewayKey,
    action: "getNumber",
    service: "tg",
    country: "62",
  });
  const id = Number(parseAccessNumber(answer).id);
  const record = await gw.running.deps.ids.resolve(id, ownerOf(who.gatewayKey));
  return { id, upstreamId: record!.upstreamId };
}

/** The `n`-th accepted delivery of an activation on a receiver, once it has come. */
function acceptedFor(rx: TestReceiver, activationId: number, n = 1): Promise<ReceivedHook> {
  return waitFor(
    `delivery ${n} of activation ${activationId}`,
    async () => rx.accepted().filter((r) => r.json?.activationId === activationId)[n - 1],
    { timeoutMs: 30000, everyMs: 50 },
  );
}

beforeAll(async () => {
  sb = await startTestSandbox({
    clock: "real",
    random: seededRandom(21),
    config: {
      autoSms: false,
      rateLimitPerS: 100_000,
      accounts: [
        { apiKey: UPSTREAM_KEY, balance: "100.00" },
        { apiKey: OTHER_UPSTREAM_KEY, balance: "100.00" },
      ],
    },
  });
  [rxA, rxC, rxD] = await Promise.all([startReceiver(), startReceiver(), startReceiver()]);
  keysPath = join(mkdtempSync(join(tmpdir(), "webhooks-keys-")), "keys.json");
  file = emptyKeyFile();
  issued.a = issue(UPSTREAM_KEY, rxA.url);
  issued.b = issue(UPSTREAM_KEY); // same upstream key, no webhook
  issued.c = issue(OTHER_UPSTREAM_KEY, rxC.url);
  issued.d = issue(UPSTREAM_KEY, rxD.url);
  writeKeyFile(keysPath, file);
  gw = await startTestGateway({
    upstreamUrl: sb.baseUrl,
    env: {
      KEYS_FILE: keysPath,
      TRACK_INTERVAL_MS: String(INTERVAL_MS),
      TRACK_IDLE_S: "1",
      WEBHOOK_RETRY_S: "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1",
      WEBHOOK_TIMEOUT_MS: "2000",
    },
  });
});
afterAll(async () => {
  await gw?.close();
  await Promise.all([rxA, rxC, rxD].map((rx) => rx?.close()));
  await sb?.close();
});

describe("an SMS reaches the key's receiver with no bot polling", () => {
  let bought: { id: number; upstreamId: string };
  let first: ReceivedHook;

  it("delivers SMS-Activate's payload, signed, within a refresh of the SMS", async () => {
    bought = await buy(issued.a);
    // nobody polls: wait out TRACK_IDLE_S (1 s) by the tracker's own list calls
    const listsAtPurchase = await count(LIST);
    await waitFor("three refreshes after the purchase", async () =>
      (await count(LIST)) >= listsAtPurchase + 3 ? true : undefined,
    );
    const readsBefore = await count(READ);
    const legacyBefore = await metric("smsgw_legacy_requests_total");

    const listsAtSms = await count(LIST);
    const smsAt = Date.now();
    const sms = await sb.control.deliverSms({ activationId: bought.upstreamId }, "Your code is 48213");
    first = await acceptedFor(rxA, bought.id);
    const listsAtDelivery = await count(LIST);

    expect(first.body).toBe(
      JSON.stringify({
        activationId: bought.id,
        service: "tg",
        text: "Your code is 48213",
        code: "48213",
        country: 62,
        receivedAt: legacyTime(sms.body.receivedAt),
      }),
    );
    expect(first.json.receivedAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(first.contentType).toBe("application/json");
    expect(first.path).toBe(new URL(rxA.url).pathname + new URL(rxA.url).search);
    expect(first.id).toMatch(/^wh_[0-9a-f]{32}$/);
    // signed with the key's secret, timestamped now (not a replay)
    expect(first.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    const nowS = Math.floor(Date.now() / 1000);
    expect(verifyWebhook(issued.a.secret!, { ...first }, nowS)).toBe(true);
    expect(verifyWebhook("whsec_another-secret-000000", { ...first }, nowS)).toBe(false);
    expect(verifyWebhook(issued.a.secret!, { ...first, body: `${first.body} ` }, nowS)).toBe(false);
    // causality: after the SMS, and carried by the first or second list call after it
    expect(first.at).toBeGreaterThanOrEqual(smsAt);
    expect(listsAtDelivery - listsAtSms).toBeLessThanOrEqual(2);
    expect(first.at - smsAt).toBeLessThan(10 * (INTERVAL_MS + 1000));
    report("SMS → webhook", {
      ms: first.at - smsAt,
      intervalMs: INTERVAL_MS,
      lists: listsAtDelivery - listsAtSms,
    });
    // no bot polled, and the gateway read no activation by itself
    expect(await count(READ)).toBe(readsBefore);
    expect(await metric("smsgw_legacy_requests_total")).toBe(legacyBefore);
    expect(await metric("smsgw_webhook_deliveries_total", 'result="delivered"')).toBe(1);
  });

  it("leaves getStatus working for the same activation", async () => {
    const call = (params: Record<string, string>) => gw.call({ api_key: issued.a.gatewayKey, ...params });
    expect(await call({ action: "getStatus", id: String(bought.id) })).toBe("STATUS_OK:48213");
  });

  it("delivers the second code after a resend as a second delivery, after the first", async () => {
    const call = (params: Record<string, string>) => gw.call({ api_key: issued.a.gatewayKey, ...params });
    expect(await call({ action: "setStatus", id: String(bought.id), status: "3" })).toBe("ACCESS_RETRY_GET");
    await sb.control.deliverSms({ activationId: bought.upstreamId }, "Your new code is 77120");
    const second = await acceptedFor(rxA, bought.id, 2);
    expect(second.json).toMatchObject({
      activationId: bought.id,
      code: "77120",
      text: "Your new code is 77120",
    });
    expect(second.id).not.toBe(first.id);
    expect(second.at).toBeGreaterThan(first.at);
    // each code once, however often the gateway saw it
    expect(await call({ action: "getStatus", id: String(bought.id) })).toBe("STATUS_OK:77120");
    const ofThis = rxA.requests.filter((r) => r.json?.activationId === bought.id);
    expect(ofThis.map((r) => r.json.code)).toEqual(["48213", "77120"]);
  });
});

describe("who gets what", () => {
  it("a key without a webhook gets nothing; another owner's SMS go to its own receiver only", async () => {
    const before = rxA.requests.length;
    const b = await buy(issued.b);
    const c = await buy(issued.c);
    await sb.control.deliverSms({ activationId: b.upstreamId }, "Code for B 11111");
    await sb.control.deliverSms({ activationId: c.upstreamId }, "Code for C 22222");
    const hookC = await acceptedFor(rxC, c.id);
    expect(hookC.json).toMatchObject({ code: "22222", activationId: c.id });
    expect(verifyWebhook(issued.c.secret!, { ...hookC }, Math.floor(Date.now() / 1000))).toBe(true);
    // B's code was learnt too (its bot sees it), and a later SMS of A still comes after it
    expect(await gw.call({ api_key: issued.b.gatewayKey, action: "getStatus", id: String(b.id) })).toBe(
      "STATUS_OK:11111",
    );
    const a = await buy(issued.a);
    await sb.control.deliverSms({ activationId: a.upstreamId }, "Code for A 33333");
    await acceptedFor(rxA, a.id);
    const seen = [...rxA.requests.slice(before), ...rxC.requests, ...rxD.requests].map((r) => r.json?.code);
    expect(seen).not.toContain("11111");
    expect(rxA.requests.map((r) => r.json?.code)).not.toContain("22222");
    expect(rxC.requests.map((r) => r.json?.code)).toEqual(["22222"]);
  });

  it("a revoked key's pending deliveries are dropped, and counted", async () => {
    rxD.mode = "fail";
    const d = await buy(issued.d);
    await sb.control.deliverSms({ activationId: d.upstreamId }, "Code for D 44444");
    await waitFor(
      "a failed attempt at D's receiver",
      async () => (rxD.requests.length > 0 ? true : undefined),
      { timeoutMs: 30_000 },
    );
    const droppedBefore = await metric("smsgw_webhook_deliveries_total", 'result="dropped"');
    file = revokeKey(file, issued.d.id).file;
    writeKeyFile(keysPath, file);
    rxD.mode = "ok";
    await waitFor("the delivery dropped", async () =>
      (await metric("smsgw_webhook_deliveries_total", 'result="dropped"')) > droppedBefore ? true : undefined,
    );
    expect(await metric("smsgw_webhook_pending")).toBe(0);
    expect(rxD.accepted()).toEqual([]);
    expect(await metric("smsgw_webhook_deliveries_total", 'result="retried"')).toBeGreaterThan(0);
  });
});
