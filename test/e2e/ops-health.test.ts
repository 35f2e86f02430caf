import { mkdtempSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Answer, httpCall, legacy } from "../helpers/ops.js";
import { type SpawnedGateway, spawnGateway } from "../helpers/process.js";
import { type RedisServer, startRedis } from "../helpers/redis.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";
import { waitFor } from "../helpers/wait.js";

/**
 * Health and readiness: `/readyz` stays 200 with the upstream stopped (the body says so) and turns
 * 503 when Redis is stopped; legacy requests keep getting HTTP 200 and a protocol token.
 * The gateway is the compiled process; the upstream is a real sandbox the test can stop.
 */
let sb: TestSandbox | undefined;
let gw: SpawnedGateway | undefined;
let redis: RedisServer | undefined;

afterEach(async () => {
  await gw?.stop();
  await sb?.close().catch(() => {});
  await redis?.stop().catch(() => {});
  gw = sb = redis = undefined;
});

/** One inline command to a Redis server; resolves with its first reply line. */
function redisCommand(url: string, command: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(`${command}\r\n`));
    let reply = "";
    socket.on("data", (chunk) => {
      reply += chunk.toString();
      if (reply.includes("\r\n")) {
        socket.end();
        resolve(reply.split("\r\n")[0]!);
      }
    });
    socket.on("error", reject);
  });
}

const json = (a: Answer) =>
  JSON.parse(a.body) as Record<string, unknown> & { upstream: Record<string, unknown> };
const TOKEN = /^[A-Z][A-Z_]+(:.*)?$/;

function env(upstreamUrl: string, extra: Record<string, string> = {}) {
  return {
    UPSTREAM_URL: upstreamUrl,
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: mkdtempSync(join(tmpdir(), "gw-ops-health-")),
    LOG_LEVEL: "silent",
    ...extra,
  };
}

describe("/healthz and /readyz (compiled process)", () => {
  it("stay 200 with the upstream stopped; the body reports the breaker and the last error", async () => {
    sb = await startTestSandbox({ clock: "real", config: { autoSms: false } });
    gw = await spawnGateway(env(sb.baseUrl, { BREAKER_THRESHOLD: "3", BREAKER_COOLDOWN_MS: "60000" }));
    const key = sb.apiKey;

    const health = await httpCall(`${gw.url}/healthz`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: "ok" });

    expect((await legacy(gw.legacyUrl, { api_key: key, action: "getBalance" })).body).toMatch(
      /^ACCESS_BALANCE:/,
    );
    const before = await httpCall(`${gw.url}/readyz`);
    expect(before.status).toBe(200);
    expect(json(before)).toMatchObject({
      status: "ready",
      idStore: "ok",
      upstream: { breaker: "closed", lastError: null },
    });

    await sb.close();
    sb = undefined;
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) {
      const a = await legacy(gw.legacyUrl, { api_key: key, action: "getBalance" });
      expect(a.status).toBe(200);
      answers.push(a.body);
    }
    expect(answers).toEqual(Array(5).fill("ERROR_SQL"));

    const during = await httpCall(`${gw.url}/readyz`);
    expect(during.status).toBe(200); // an upstream outage never pulls the gateway
    const body = json(during);
    expect(body).toMatchObject({ status: "ready", idStore: "ok", upstream: { breaker: "open" } });
    expect(typeof body.upstream.lastError).toBe("string");
    expect(String(body.upstream.lastError)).toMatch(/wallet\/balance: (unavailable|timeout)/);
    expect(String(body.upstream.lastError)).not.toContain(key);
    expect((await httpCall(`${gw.url}/healthz`)).status).toBe(200);
  });

  it("with REDIS_URL: 200, then 503 once redis-server is killed, while legacy requests still get 200 + a token", async () => {
    redis = await startRedis();
    // With the default `appendfsync everysec`, Redis may postpone its AOF write (while a background
    // fsync runs) yet still reply, so a kill -9 right after a write can lose it. This test is about
    // the gateway, not Redis: make every write durable before it is acknowledged.
    expect(await redisCommand(redis.url, "CONFIG SET appendfsync always")).toBe("+OK");
    sb = await startTestSandbox({ clock: "real", config: { autoSms: false } });
    gw = await spawnGateway(env(sb.baseUrl, { REDIS_URL: redis.url }));
    const key = sb.apiKey;
    const gwUrl = gw.url;

    const ready = await httpCall(`${gwUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(json(ready)).toMatchObject({ status: "ready", idStore: "ok", upstream: { breaker: "closed" } });
    expect(json(ready)).toMatchObject({ trackerStore: "ok" }); // polls are answered from it too
    const bought = await legacy(gw.legacyUrl, {
      api_key: key,
      action: "getNumber",
      service: "tg",
      country: "62",
    });
    const id = /^ACCESS_NUMBER:(\d+):\d+$/.exec(bought.body)?.[1];
    expect(id, bought.body).toBeDefined();

    redis.kill();
    const notReady = await waitFor("/readyz to turn 503", async () => {
      const a = await httpCall(`${gwUrl}/readyz`);
      return a.status === 503 ? a : undefined;
    });
    const body = json(notReady);
    expect(body.status).toBe("not ready");
    expect(body.idStore).not.toBe("ok");
    expect(body.upstream).toMatchObject({ breaker: "closed" }); // the upstream is still reported, and fine
    expect((await httpCall(`${gwUrl}/healthz`)).status).toBe(200); // the process is up

    // Legacy clients still get HTTP 200 and a protocol answer; nothing is bought without an id store.
    const purchasesBefore = (await sb.control.stats()).purchases;
    const balance = await legacy(gw.legacyUrl, { api_key: key, action: "getBalance" });
    expect(balance.status).toBe(200);
    expect(balance.body).toMatch(/^ACCESS_BALANCE:\d+\.\d{2}$/);
    for (const params of <Record<string, string>[]>[
      { action: "getNumber", service: "tg", country: "62" },
      { action: "getStatus", id: id! },
      { action: "setStatus", id: id!, status: "8" },
    ]) {
      const a = await legacy(gw.legacyUrl, { api_key: key, ...params });
      expect(a.status, params.action).toBe(200);
      expect(a.body, params.action).toMatch(TOKEN);
    }
    expect((await sb.control.stats()).purchases).toBe(purchasesBefore);

    // and it comes back when Redis does
    await redis.restart();
    await waitFor("/readyz to turn 200 again", async () =>
      (await httpCall(`${gwUrl}/readyz`)).status === 200 ? true : undefined,
    );
    expect((await legacy(gw.legacyUrl, { api_key: key, action: "getStatus", id: id! })).body).toBe(
      "STATUS_WAIT_CODE",
    );

    // with Redis gone again, SIGTERM still shuts down cleanly
    redis.kill();
    await waitFor("/readyz to turn 503 again", async () =>
      (await httpCall(`${gwUrl}/readyz`)).status === 503 ? true : undefined,
    );
    expect(await gw.stop()).toEqual({ code: 0, signal: null });
  });
});
