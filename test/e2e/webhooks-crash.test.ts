import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyWebhook } from "../../src/webhooks/signature.js";
import { parseAccessNumber } from "../helpers/gateway.js";
import { httpCall, legacy } from "../helpers/ops.js";
import { type SpawnedGateway, spawnGateway } from "../helpers/process.js";
import { mulberry32 as seededRandom } from "../helpers/random.js";
import { RECEIVER_TOKEN, type ReceivedHook, startReceiver, type TestReceiver } from "../helpers/receiver.js";
import { type RedisServer, startRedis } from "../helpers/redis.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";
import { waitFor } from "../helpers/wait.js";

/**
 * The outbox is durable: the compiled gateway (`dist/main.js`) killed with SIGKILL while
 * deliveries are pending delivers them after its restart, with no bot calling; two replicas on one
 * Redis make each delivery once, and when one dies mid-attempt the other takes its deliveries over
 * once their claims lapse (a delivery cut by the crash may come twice, with the same X-Webhook-Id).
 */
const KEY = "webhook-crash-key-000000000000000";
const SECRET = "whsec_crash-test-secret-0000001";

let sb: TestSandbox;
let rx: TestReceiver;
const spawned: SpawnedGateway[] = [];

beforeAll(async () => {
  sb = await startTestSandbox({
    clock: "real",
    random: seededRandom(55),
    config: { autoSms: false, rateLimitPerS: 100_000, accounts: [{ apiKey: KEY, balance: "100.00" }] },
  });
  rx = await startReceiver();
});
afterAll(async () => {
  for (const g of spawned)
    if (g.child.exitCode === null && g.child.signalCode === null) g.child.kill("SIGKILL");
  await rx?.close();
  await sb?.close();
});

function baseEnv(): Record<string, string> {
  return {
    UPSTREAM_URL: sb.baseUrl,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "info",
    TRACK_INTERVAL_MS: "500",
    WEBHOOK_URL: rx.url,
    WEBHOOK_SECRET: SECRET,
    WEBHOOK_TIMEOUT_MS: "1000",
    WEBHOOK_RETRY_S: "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1",
  };
}

async function spawn(env: Record<string, string>): Promise<SpawnedGateway> {
  const gateway = await spawnGateway(env);
  spawned.push(gateway);
  return gateway;
}

async function metric(gateway: SpawnedGateway, name: string, labels = ""): Promise<number> {
  const text = (await httpCall(`${gateway.url}/metrics`)).body;
  let sum = 0;
  for (const line of text.split("\n")) {
    if (
      labels
        ? line.startsWith(`${name}{${labels}} `)
        : line.startsWith(`${name} `) || line.startsWith(`${name}{`)
    )
      sum += Number(line.split(" ").pop());
  }
  return sum;
}

/** Buys through a replica and has the sandbox deliver its SMS; answers its id and code. */
async function buyWithSms(gateway: SpawnedGateway, code: string): Promise<{ id: number; code: string }> {
  const answer = await legacy(gateway.legacyUrl, {
    api_key: KEY,
    action: "getNumber",
    service: "tg",
    country: "62",
  });
  const { id, phone } = parseAccessNumber(answer.body);
  const sms = await sb.control.deliverSms({ phoneNumber: phone }, `Your code is ${code}`);
  expect(sms.status).toBe(200);
  return { id: Number(id), code };
}

const key = (h: ReceivedHook) => `${h.json?.activationId}:${h.json?.code}`;
const keysOf = (list: { id: number; code: string }[]) => list.map((e) => `${e.id}:${e.code}`).sort();

function expectSameIdSameBody(hooks: ReceivedHook[]): Map<string, ReceivedHook[]> {
  const byId = new Map<string, ReceivedHook[]>();
  for (const hook of hooks) byId.set(hook.id, [...(byId.get(hook.id) ?? []), hook]);
  for (const copies of byId.values()) for (const copy of copies) expect(copy.body).toBe(copies[0]!.body);
  return byId;
}

function expectNoSecretsIn(output: string): void {
  for (const secret of [KEY, SECRET, RECEIVER_TOKEN, "/hook?"]) expect(output).not.toContain(secret);
}

describe("kill -9 with deliveries pending", () => {
  it("delivers them after the restart, with no bot calling", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "webhooks-crash-"));
    const env = { ...baseEnv(), DATA_DIR: dataDir };
    rx.mode = "fail";
    const first = await spawn(env);
    const expected = [];
    for (let i = 0; i < 3; i++) expected.push(await buyWithSms(first, String(60_000 + i)));
    await waitFor(
      "an attempt of each delivery refused",
      async () => (new Set(rx.requests.map(key)).size >= expected.length ? true : undefined),
      { timeoutMs: 30000 },
    );
    first.child.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");
    rx.mode = "ok";
    const attemptsBefore = rx.requests.length;

    const second = await spawn(env);
    await waitFor(
      "every delivery accepted after the restart",
      async () => (new Set(rx.accepted().map(key)).size >= expected.length ? true : undefined),
      { timeoutMs: 30000 },
    );
    const accepted = rx.accepted();
    expect(accepted.map(key).sort()).toEqual(keysOf(expected));
    expect(rx.requests.slice(0, attemptsBefore).every((r) => r.status === 500)).toBe(true);
    const byId = expectSameIdSameBody(rx.requests);
    expect(byId.size).toBe(expected.length);
    for (const hook of accepted) expect(verifyWebhook(SECRET, hook, Math.floor(hook.at / 1000))).toBe(true);
    // nothing asked the restarted gateway for anything
    expect(await metric(second, "smsgw_legacy_requests_total")).toBe(0);
    await waitFor("its outbox empty", async () =>
      (await metric(second, "smsgw_webhook_pending")) === 0 ? true : undefined,
    );
    await second.stop();
    expectNoSecretsIn(`${first.stdout()}${first.stderr()}${second.stdout()}${second.stderr()}`);
    expect(second.stdout()).toContain('"msg":"webhook delivered"');
  }, 90_000);
});

describe("two replicas on one Redis", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("make each delivery once, and take over a dead replica's deliveries", async () => {
    rx.requests.length = 0;
    rx.mode = "ok";
    const env = { ...baseEnv(), REDIS_URL: redis.url };
    const a = await spawn({ ...env, DATA_DIR: mkdtempSync(join(tmpdir(), "webhooks-rep-a-")) });
    const b = await spawn({ ...env, DATA_DIR: mkdtempSync(join(tmpdir(), "webhooks-rep-b-")) });

    const calm = [];
    for (let i = 0; i < 8; i++) calm.push(await buyWithSms(i % 2 ? a : b, String(70_000 + i)));
    await waitFor(
      "the calm phase delivered",
      async () => {
        if (rx.accepted().length < calm.length) return undefined;
        const delivered =
          (await metric(a, "smsgw_webhook_deliveries_total", 'result="delivered"')) +
          (await metric(b, "smsgw_webhook_deliveries_total", 'result="delivered"'));
        return delivered >= calm.length && (await metric(a, "smsgw_webhook_pending")) === 0
          ? true
          : undefined;
      },
      { timeoutMs: 30000 },
    );
    // each exactly once, whichever replica saw the code or made the attempt
    expect(rx.requests.map(key).sort()).toEqual(keysOf(calm));
    expect(new Set(rx.requests.map((r) => r.id)).size).toBe(calm.length);

    // a replica dies while its attempts hang
    rx.mode = "hang";
    const cut = [];
    for (let i = 0; i < 4; i++) cut.push(await buyWithSms(i % 2 ? a : b, String(80_000 + i)));
    await waitFor(
      "attempts of every new delivery hanging",
      async () => (new Set(rx.requests.slice(calm.length).map(key)).size >= cut.length ? true : undefined),
      { timeoutMs: 30000 },
    );
    // the replica holding a hanging delivery's claim dies
    const admin = new Redis(redis.url);
    const { hung, holder } = await waitFor("a hanging delivery's claim", async () => {
      for (const hook of rx.requests.slice(calm.length)) {
        const claimedBy = await admin.hget(`smsgw:wh:${hook.id}`, "claimedBy");
        if (claimedBy) return { hung: hook, holder: claimedBy }; // empty between a retry's attempts
      }
      return undefined;
    });
    admin.disconnect();
    const instanceOf = async (g: SpawnedGateway) =>
      JSON.parse((await httpCall(`${g.url}/readyz`)).body).instance;
    const [victim, survivor] = (await instanceOf(a)) === holder ? [a, b] : [b, a];
    expect(await instanceOf(victim)).toBe(holder);
    victim.child.kill("SIGKILL");
    await victim.exited;
    rx.mode = "ok";
    await waitFor(
      "every delivery accepted after the crash",
      async () => (new Set(rx.accepted().map(key)).size >= calm.length + cut.length ? true : undefined),
      { timeoutMs: 60000 },
    );
    const byId = expectSameIdSameBody(rx.accepted());
    expect([...new Set(rx.accepted().map(key))].sort()).toEqual(keysOf([...calm, ...cut]));
    // duplicates only where the crash cut an attempt: none among the calm phase's deliveries
    const calmKeys = new Set(keysOf(calm));
    for (const copies of byId.values()) if (calmKeys.has(key(copies[0]!))) expect(copies).toHaveLength(1);
    // the dead replica's deliveries were made by the survivor once their claims lapsed
    expect(rx.accepted().some((h) => h.id === hung.id)).toBe(true);
    await waitFor("the shared outbox empty", async () =>
      (await metric(survivor, "smsgw_webhook_pending")) === 0 ? true : undefined,
    );
    await survivor.stop();
    expectNoSecretsIn(`${a.stdout()}${a.stderr()}${b.stdout()}${b.stderr()}`);
  }, 120_000);
});
