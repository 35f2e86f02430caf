import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Logger, pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DeliveryResult } from "../../../src/store/id-store.js";
import { openSqliteIdStore, type SqliteIdStore } from "../../../src/store/sqlite.js";
import { fixedWebhook, type WebhookDirectory } from "../../../src/webhooks/directory.js";
import { type DispatcherSettings, WebhookDispatcher } from "../../../src/webhooks/dispatcher.js";
import type { ResolveHost } from "../../../src/webhooks/receiver-lookup.js";
import { type PostOptions, postWebhook, type SendResult } from "../../../src/webhooks/sender.js";
import { verifyWebhook } from "../../../src/webhooks/signature.js";

/**
 * The dispatcher against a real SQLite outbox and a scripted receiver, on fake timers: the back-off
 * schedule, order per activation, per-receiver concurrency, dropping.
 */
const T0 = Date.parse("2026-06-03T13:47:10Z");
const ALICE = "a".repeat(40);
const BOB = "b".repeat(40);
const SECRET = "whsec_unit-test-secret-0001";
const SCHEDULE = [10, 60, 300, 1800, 7200];

interface Attempt {
  at: number;
  url: string;
  id: string;
  body: string;
  opts: PostOptions;
}

let store: SqliteIdStore;
let attempts: Attempt[];
let answer: (attempt: Attempt) => SendResult | Promise<SendResult>;
let results: DeliveryResult[];
let dispatcher: WebhookDispatcher;

function start(
  over: {
    directory?: WebhookDirectory;
    settings?: Partial<DispatcherSettings>;
    log?: Logger;
    send?: (url: string, opts: PostOptions) => Promise<SendResult>;
  } = {},
) {
  dispatcher = new WebhookDispatcher({
    ids: store,
    directory: over.directory ?? fixedWebhook({ url: "http://rx.example/hook?token=t", secret: SECRET }),
    instance: "gw-unit",
    settings: { timeoutMs: 5000, retryS: SCHEDULE, perReceiver: 4, pollMs: 500, ...over.settings },
    log: over.log ?? pino({ level: "silent" }),
    onResult: (r) => results.push(r),
    random: () => 0.5, // no jitter: the schedule exactly
    post: async (url, opts) => {
      const attempt = { at: Date.now(), url, id: opts.headers["x-webhook-id"]!, body: opts.body, opts };
      attempts.push(attempt);
      return over.send ? over.send(url, opts) : answer(attempt);
    },
  });
  dispatcher.start();
}

const enqueue = (deliveryId: string, upstreamId: string, owner = ALICE) =>
  dispatcher.enqueue({
    deliveryId,
    owner,
    upstreamId,
    payload: JSON.stringify({ activationId: 1, id: deliveryId }),
    createdAt: Date.now(),
  });

beforeEach(async () => {
  vi.useFakeTimers({ now: T0 });
  store = openSqliteIdStore({ dataDir: mkdtempSync(join(tmpdir(), "wh-dispatch-")) });
  await store.heartbeat("gw-unit", 24 * 60 * 60_000);
  attempts = [];
  results = [];
  answer = () => ({ ok: true, status: 200 });
});
afterEach(async () => {
  const stopped = dispatcher.stop();
  await vi.runAllTimersAsync();
  await stopped;
  await store.close();
  vi.useRealTimers();
});

describe("WebhookDispatcher", () => {
  it("retries after 10 s, 1 min, 5 min, 30 min and 2 h, then gives up", async () => {
    answer = () => ({ ok: false, reason: "status 500" });
    start();
    enqueue("wh-1", "up-1");
    await vi.advanceTimersByTimeAsync(3 * 60 * 60_000); // the last attempt is due after 2 h 36 min
    const offsets = attempts.map((a) => a.at - T0);
    const expected = [0, 10, 70, 370, 2170, 9370].map((s) => s * 1000);
    expect(offsets).toHaveLength(expected.length);
    offsets.forEach((offset, i) => {
      expect(offset).toBeGreaterThanOrEqual(expected[i]!);
      expect(offset).toBeLessThanOrEqual(expected[i]! + 600); // the next round after it is due
    });
    expect(results).toEqual(["retried", "retried", "retried", "retried", "retried", "given_up"]);
    expect(new Set(attempts.map((a) => a.id))).toEqual(new Set(["wh-1"]));
    expect(await store.webhookBacklog()).toEqual({ pending: 0, oldestCreatedAt: undefined });
  });

  it("fails an attempt to a host resolving to link-local, logging why, and retries it like any failure", async () => {
    const logged: Record<string, unknown>[] = [];
    const log = pino({ level: "info" }, { write: (line: string) => logged.push(JSON.parse(line)) });
    const resolve: ResolveHost = (_host, _options, callback) =>
      callback(null, [{ address: "169.254.169.254", family: 4 }]);
    start({
      directory: fixedWebhook({ url: "http://metadata.rx.example/hook?token=t", secret: SECRET }),
      log,
      send: (url, opts) => postWebhook(url, { ...opts, resolve }),
    });
    enqueue("wh-1", "up-1");
    await vi.advanceTimersByTimeAsync(1000);
    expect(results).toEqual(["retried"]);
    const failed = logged.find((line) => line.msg === "webhook attempt failed");
    expect(failed).toMatchObject({ host: "metadata.rx.example", reason: "refused: link-local address" });
    expect(JSON.stringify(logged)).not.toContain("token=t");
  });

  it("signs each attempt with its own timestamp, and stops at the first 2xx", async () => {
    let n = 0;
    answer = () => (++n < 3 ? { ok: false, reason: "ECONNREFUSED" } : { ok: true, status: 204 });
    start();
    enqueue("wh-1", "up-1");
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(attempts).toHaveLength(3);
    expect(results).toEqual(["retried", "retried", "delivered"]);
    for (const a of attempts) {
      const timestamp = a.opts.headers["x-webhook-timestamp"]!;
      expect(Number(timestamp)).toBe(Math.floor(a.at / 1000));
      const signed = { timestamp, signature: a.opts.headers["x-webhook-signature"], body: a.body };
      expect(verifyWebhook(SECRET, signed, Math.floor(a.at / 1000))).toBe(true);
      expect(a.opts.headers["content-type"]).toBe("application/json");
      expect(a.opts.timeoutMs).toBe(5000);
    }
  });

  it("holds an activation's next delivery until the one before it is done; others go on", async () => {
    let a1 = 0;
    answer = (a) =>
      a.id === "wh-a1" && ++a1 < 3 ? { ok: false, reason: "timeout" } : { ok: true, status: 200 };
    start();
    enqueue("wh-a1", "up-a");
    enqueue("wh-a2", "up-a");
    enqueue("wh-b1", "up-b", BOB);
    await vi.advanceTimersByTimeAsync(1000);
    expect(attempts.map((a) => a.id).sort()).toEqual(["wh-a1", "wh-b1"]);
    await vi.advanceTimersByTimeAsync(15 * 60_000);
    const order = attempts.map((a) => a.id).filter((id) => id.startsWith("wh-a"));
    expect(order).toEqual(["wh-a1", "wh-a1", "wh-a1", "wh-a2"]);
    expect(results.filter((r) => r === "delivered")).toHaveLength(3);
  });

  it("keeps at most WEBHOOK_CONCURRENCY attempts in flight per receiver; a hanging one holds up no other", async () => {
    const slow = "http://slow.example/hook";
    const directory: WebhookDirectory = {
      enabled: true,
      targetOf: (owner) =>
        owner === ALICE ? { url: slow, secret: SECRET } : { url: "http://fast.example/", secret: SECRET },
      upstreamKeyOf: () => undefined,
    };
    let inFlight = 0;
    let most = 0;
    answer = (a) => {
      if (a.url !== slow) return { ok: true, status: 200 };
      inFlight += 1;
      most = Math.max(most, inFlight);
      return new Promise((resolve) =>
        setTimeout(() => {
          inFlight -= 1;
          resolve({ ok: false, reason: "timeout" });
        }, a.opts.timeoutMs),
      );
    };
    start({ directory, settings: { perReceiver: 2, retryS: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1] } });
    for (let i = 0; i < 6; i++) enqueue(`wh-slow-${i}`, `up-slow-${i}`, ALICE);
    await vi.advanceTimersByTimeAsync(100);
    for (let i = 0; i < 3; i++) enqueue(`wh-fast-${i}`, `up-fast-${i}`, BOB);
    await vi.advanceTimersByTimeAsync(1000);
    expect(results.filter((r) => r === "delivered")).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(most).toBe(2);
    expect(new Set(attempts.filter((a) => a.url === slow).map((a) => a.id)).size).toBe(6);
  });

  it("drops the deliveries of an owner without a webhook now", async () => {
    const directory: WebhookDirectory = {
      enabled: true,
      targetOf: (owner) => (owner === ALICE ? { url: "http://rx.example/", secret: SECRET } : undefined),
      upstreamKeyOf: () => undefined,
    };
    start({ directory });
    enqueue("wh-bob", "up-b", BOB);
    enqueue("wh-alice", "up-a", ALICE);
    await vi.advanceTimersByTimeAsync(1000);
    expect(attempts.map((a) => a.id)).toEqual(["wh-alice"]);
    expect(results.sort()).toEqual(["delivered", "dropped"]);
    expect(await store.webhookBacklog()).toEqual({ pending: 0, oldestCreatedAt: undefined });
  });

  it("writes a delivery again after the outbox failed, and delivers it once", async () => {
    const real = store.enqueueWebhook.bind(store);
    let failures = 2;
    store.enqueueWebhook = async (d) => {
      if (failures-- > 0) throw new Error("SQLITE_BUSY");
      return real(d);
    };
    start();
    enqueue("wh-1", "up-1");
    enqueue("wh-1", "up-1");
    await vi.advanceTimersByTimeAsync(5000);
    expect(attempts.map((a) => a.id)).toEqual(["wh-1"]);
    expect(results).toEqual(["delivered"]);
  });
});
