import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerOf } from "../../src/common/owner.js";
import { rawRequest } from "../helpers/gateway.js";
import { httpCall } from "../helpers/ops.js";
import { type SpawnedGateway, spawnGateway } from "../helpers/process.js";
import { type RedisServer, startRedis } from "../helpers/redis.js";
import { report } from "../helpers/report.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";
import { waitFor } from "../helpers/wait.js";

/**
 * Two gateways on one Redis: one replica at a time refreshes a key (a lease in Redis), both answer
 * from the shared state; when the lease holder dies, the other takes over.
 */
const KEYS = ["tracker-rep-a-00000000000000000", "tracker-rep-b-00000000000000000"];
const LIST = "GET /api/v1/activations";
const INTERVAL_MS = 500;
let redis: RedisServer;
let admin: Redis;
let sb: TestSandbox;
const replicas: SpawnedGateway[] = [];
let env: Record<string, string>;

beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
  sb = await startTestSandbox({
    clock: "real",
    config: {
      autoSms: false,
      rateLimitPerS: 100_000,
      accounts: KEYS.map((apiKey) => ({ apiKey, balance: "100.00" })),
    },
  });
  env = {
    UPSTREAM_URL: sb.baseUrl,
    REDIS_URL: redis.url,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "silent",
    TRACK_INTERVAL_MS: String(INTERVAL_MS),
  };
  for (const name of ["a", "b"]) {
    replicas.push(
      await spawnGateway({ ...env, DATA_DIR: mkdtempSync(join(tmpdir(), `tracker-rep-${name}-`)) }),
    );
  }
});
afterAll(async () => {
  for (const r of replicas) if (r.child.exitCode === null) r.child.kill("SIGKILL");
  admin?.disconnect();
  await sb?.close();
  await redis?.stop();
});

async function legacy(replica: SpawnedGateway, params: Record<string, string>): Promise<string> {
  const res = await rawRequest(`${replica.legacyUrl}?${new URLSearchParams(params)}`);
  return res.body.toString("utf8");
}
const lists = async () => (await sb.control.stats()).requests[LIST] ?? 0;
const instanceOf = async (replica: SpawnedGateway) =>
  JSON.parse((await httpCall(`${replica.url}/readyz`)).body).instance;
const leaseOf = (key: string) => admin.get(`smsgw:track:${ownerOf(key)}:lease`);

describe("the tracker with two replicas on one Redis", () => {
  const bought: { key: string; id: string }[] = [];

  it("refreshes each key about once per interval whatever the number of replicas, and both answer", async () => {
    for (const key of KEYS) {
      for (let i = 0; i < 5; i++) {
        const answer = await legacy(replicas[i % 2]!, {
          api_key: key,
          action: "getNumber",
          service: "tg",
          country: "62",
        });
        bought.push({ key, id: answer.split(":")[1]! });
      }
    }
    await sb.control.resetStats();
    const started = Date.now();
    while (Date.now() - started < 10_000) {
      await Promise.all(
        bought.flatMap(({ key, id }) =>
          replicas.map(async (r) =>
            expect(await legacy(r, { api_key: key, action: "getStatus", id })).toBe("STATUS_WAIT_CODE"),
          ),
        ),
      );
      await new Promise((r) => setTimeout(r, 200));
    }
    const intervals = (Date.now() - started) / INTERVAL_MS;
    const perKeyPerInterval = (await lists()) / KEYS.length / intervals;
    report("two replicas on one Redis", { intervals, perKeyPerInterval });
    expect(perKeyPerInterval).toBeLessThanOrEqual(1.2); // two replicas without a lease would make 2
    expect(perKeyPerInterval).toBeGreaterThan(0.3);
  }, 60_000);

  it("an SMS shows on both replicas", async () => {
    const { key, id } = bought[0]!;
    const oldest = (await sb.control.activations(key)).at(-1)!; // newest first: the first bought
    await sb.control.deliverSms({ activationId: oldest.id }, "Your code is 50505");
    const smsAt = Date.now();
    const seenAfterMs: number[] = [];
    for (const r of replicas) {
      await waitFor("the code on a replica", async () =>
        (await legacy(r, { api_key: key, action: "getStatus", id })) === "STATUS_OK:50505" ? true : undefined,
      );
      seenAfterMs.push(Date.now() - smsAt);
    }
    report("SMS → STATUS_OK on each replica", { seenAfterMs, intervalMs: INTERVAL_MS });
  });

  it("when the lease holder is killed, the other replica refreshes within 3 intervals", async () => {
    const { key, id } = bought[1]!;
    const holder = await leaseOf(key);
    const instances = await Promise.all(replicas.map(instanceOf));
    const holderIndex = instances.indexOf(holder);
    expect(holderIndex).toBeGreaterThanOrEqual(0);
    const survivor = replicas[1 - holderIndex]!;
    const killed = replicas[holderIndex]!;
    killed.child.kill("SIGKILL");
    await killed.exited;
    const killedAt = Date.now();
    await waitFor("the survivor holds the lease", async () =>
      (await leaseOf(key)) === instances[1 - holderIndex] ? true : undefined,
    );
    const takeoverMs = Date.now() - killedAt;
    report("lease holder killed", { takeoverMs, intervalMs: INTERVAL_MS });
    // the lease lapses 2 intervals after its last renewal (+ the survivor's next tick); bounded
    // generously for a busy machine
    expect(takeoverMs).toBeLessThan(10 * (3 * INTERVAL_MS + 1000));
    const upstreamIds = (await sb.control.activations(key)).map((a) => a.id);
    await sb.control.deliverSms({ activationId: upstreamIds.at(-2)! }, "Your code is 60606");
    await waitFor("the code on the survivor", async () =>
      (await legacy(survivor, { api_key: key, action: "getStatus", id })) === "STATUS_OK:60606"
        ? true
        : undefined,
    );
  });
});
