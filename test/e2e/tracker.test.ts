import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerOf } from "../../src/common/owner.js";
import { parseAccessNumber, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { seededRandom } from "../helpers/random.js";
import { report } from "../helpers/report.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";
import { waitFor } from "../helpers/wait.js";

/**
 * The activation tracker (docs/architecture.md): polls are answered from one live-list read per key
 * and interval. Counted from the sandbox's own request counters.
 */
const LIST = "GET /api/v1/activations";
const READ = "GET /api/v1/activations/:id";
const KEYS = [
  "tracker-key-a-000000000000000000",
  "tracker-key-b-000000000000000000",
  "tracker-key-c-000000000000000000",
];

const requests = async (sb: TestSandbox) => (await sb.control.stats()).requests;
const count = async (sb: TestSandbox, route: string) => (await requests(sb))[route] ?? 0;

describe("3 keys × 30 activations polled concurrently for 10 s", () => {
  let sb: TestSandbox;
  let gw: TestGateway;

  beforeAll(async () => {
    sb = await startTestSandbox({
      clock: "real",
      random: seededRandom(13),
      config: {
        autoSms: false,
        rateLimitPerS: 100_000,
        accounts: KEYS.map((apiKey) => ({ apiKey, balance: "500.00" })),
      },
    });
    gw = await startTestGateway({
      upstreamUrl: sb.baseUrl,
      env: { TRACK_INTERVAL_MS: "1000", CATALOG_RATE_PER_S: "1000" },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await sb?.close();
  });

  it("costs one list call per key and interval, reads nothing individually, and every answer is right", async () => {
    const bought: { key: string; id: string; upstreamId: string }[] = [];
    for (const key of KEYS) {
      for (let i = 0; i < 30; i++) {
        const { id } = parseAccessNumber(
          await gw.call({ api_key: key, action: "getNumber", service: "tg", country: "62" }),
        );
        const record = await gw.running.deps.ids.resolve(Number(id), ownerOf(key));
        bought.push({ key, id, upstreamId: record!.upstreamId });
      }
    }
    await sb.control.resetStats();
    const codes = new Map<string, string>(); // upstream id → the code delivered to it
    const random = seededRandom(7);
    const started = Date.now();
    const until = started + 10_000;
    const wrong: string[] = [];
    const pollers = bought.map(async ({ key, id, upstreamId }) => {
      while (Date.now() < until) {
        const answer = await gw.call({ api_key: key, action: "getStatus", id });
        const code = codes.get(upstreamId);
        const valid = answer === "STATUS_WAIT_CODE" || (code !== undefined && answer === `STATUS_OK:${code}`);
        if (!valid) wrong.push(`${id}: ${answer} (delivered ${code ?? "nothing"})`);
        await new Promise((r) => setTimeout(r, 100 + random() * 200));
      }
    });
    const deliveries = (async () => {
      for (const { upstreamId } of bought.filter((_, i) => i % 3 === 0)) {
        await new Promise((r) => setTimeout(r, random() * 250));
        const code = String(10_000 + Math.floor(random() * 89_999));
        // the code is known before the SMS can show in any answer
        codes.set(upstreamId, code);
        await sb.control.deliverSms({ activationId: upstreamId }, `Your code is ${code}`);
      }
    })();
    await Promise.all([...pollers, deliveries]);
    const seconds = (Date.now() - started) / 1000;
    expect(wrong).toEqual([]);
    const stats = await requests(sb);
    report("3 keys × 30 activations polled", {
      seconds,
      polls: bought.length,
      listCalls: stats[LIST] ?? 0,
      bound: KEYS.length * (seconds / 1 + 2),
      individualReads: stats[READ] ?? 0,
      smsDelivered: codes.size,
    });
    expect(stats[LIST] ?? 0).toBeLessThanOrEqual(KEYS.length * (seconds / 1 + 2));
    expect(stats[LIST] ?? 0).toBeGreaterThan(0);
    expect(stats[READ] ?? 0).toBe(0); // every activation was seeded by its purchase; none ended
    // and every delivered code did reach its poller
    for (const { key, id, upstreamId } of bought.filter((b) => codes.has(b.upstreamId))) {
      expect(await gw.call({ api_key: key, action: "getStatus", id })).toBe(
        `STATUS_OK:${codes.get(upstreamId)}`,
      );
    }
  }, 60_000);
});

describe("every lifecycle path ends right through the tracker", () => {
  let sb: TestSandbox;
  let gw: TestGateway;
  const key = KEYS[0]!;
  const dataDir = mkdtempSync(join(tmpdir(), "tracker-life-"));
  const call = (params: Record<string, string>) => gw.call({ api_key: key, ...params });
  const buy = async () =>
    parseAccessNumber(await call({ action: "getNumber", service: "tg", country: "62" })).id;
  const upstreamIdOf = async (id: string) =>
    (await gw.running.deps.ids.resolve(Number(id), ownerOf(key)))!.upstreamId;
  /** Polls getStatus until it answers `want` (the tracker shows a change within an interval). */
  const statusBecomes = (id: string, want: string) =>
    waitFor(
      `getStatus ${id} = ${want}`,
      async () => ((await call({ action: "getStatus", id })) === want ? true : undefined),
      { timeoutMs: 10_000, everyMs: 50 },
    );

  beforeAll(async () => {
    sb = await startTestSandbox({
      config: {
        autoSms: false,
        cancelCooldownS: 0,
        activationTtlS: 600,
        accounts: [{ apiKey: key, balance: "100.00" }],
      },
    });
    gw = await startTestGateway({ upstreamUrl: sb.baseUrl, dataDir, env: { TRACK_INTERVAL_MS: "200" } });
  });
  afterAll(async () => {
    await gw?.close();
    await sb?.close();
  });

  it("SMS → STATUS_OK, then complete → ACCESS_ACTIVATION, with no individual read", async () => {
    const id = await buy();
    await sb.control.resetStats();
    expect(await call({ action: "getStatus", id })).toBe("STATUS_WAIT_CODE");
    await sb.control.deliverSms({ activationId: await upstreamIdOf(id) }, "Your code is 48213");
    await statusBecomes(id, "STATUS_OK:48213");
    expect(await call({ action: "setStatus", id, status: "6" })).toBe("ACCESS_ACTIVATION");
    expect(await call({ action: "getStatus", id })).toBe("STATUS_OK:48213");
    expect(JSON.parse(await call({ action: "getStatusV2", id })).sms.code).toBe("48213");
    expect(await call({ action: "getFullSms", id })).toBe("FULL_SMS:Your code is 48213");
    expect(await count(sb, READ)).toBe(0);
  });

  it("cancel → ACCESS_CANCEL, then STATUS_CANCEL from the write's own answer", async () => {
    const id = await buy();
    await sb.control.resetStats();
    expect(await call({ action: "setStatus", id, status: "8" })).toBe("ACCESS_CANCEL");
    expect(await call({ action: "getStatus", id })).toBe("STATUS_CANCEL");
    expect(await count(sb, READ)).toBe(0);
  });

  it("expiry with refund: the refresher misses it in the live list, reads it once, and keeps the final state", async () => {
    const before = await call({ action: "getBalance" });
    const id = await buy();
    await sb.control.resetStats();
    sb.advance(600_000); // the window closes upstream: EXPIRED, refunded
    await statusBecomes(id, "STATUS_CANCEL");
    expect(await count(sb, READ)).toBe(1);
    for (let i = 0; i < 5; i++) expect(await call({ action: "getStatus", id })).toBe("STATUS_CANCEL");
    await new Promise((r) => setTimeout(r, 500)); // a few more refreshes: the final state is never read again
    expect(await count(sb, READ)).toBe(1);
    expect(await call({ action: "getBalance" })).toBe(before);
  });

  it("resend: STATUS_WAIT_RETRY with the last code, then the second code", async () => {
    const id = await buy();
    const upstreamId = await upstreamIdOf(id);
    await sb.control.deliverSms({ activationId: upstreamId }, "Your code is 11111");
    await statusBecomes(id, "STATUS_OK:11111");
    expect(await call({ action: "setStatus", id, status: "3" })).toBe("ACCESS_RETRY_GET");
    expect(await call({ action: "getStatus", id })).toBe("STATUS_WAIT_RETRY:11111");
    await sb.control.deliverSms({ activationId: upstreamId }, "Your code is 22222");
    await statusBecomes(id, "STATUS_OK:22222");
  });

  it("an activation bought before a restart is read once on first sight, then tracked", async () => {
    const id = await buy();
    const upstreamId = await upstreamIdOf(id);
    await gw.close();
    gw = await startTestGateway({ upstreamUrl: sb.baseUrl, dataDir, env: { TRACK_INTERVAL_MS: "200" } });
    await sb.control.resetStats();
    expect(await call({ action: "getStatus", id })).toBe("STATUS_WAIT_CODE");
    expect(await count(sb, READ)).toBe(1);
    await sb.control.deliverSms({ activationId: upstreamId }, "Your code is 33333");
    await statusBecomes(id, "STATUS_OK:33333");
    expect(await count(sb, READ)).toBe(1);
  });
});

describe("a 429 storm and an outage of the list", () => {
  let sb: TestSandbox;
  let gw: TestGateway;
  const key = KEYS[1]!;
  const call = (params: Record<string, string>) => gw.call({ api_key: key, ...params });

  beforeAll(async () => {
    sb = await startTestSandbox({
      clock: "real",
      config: { autoSms: false, rateLimitPerS: 100_000, accounts: [{ apiKey: key, balance: "100.00" }] },
    });
    gw = await startTestGateway({
      upstreamUrl: sb.baseUrl,
      env: { TRACK_INTERVAL_MS: "300", BREAKER_THRESHOLD: "2", BREAKER_COOLDOWN_MS: "300" },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await sb?.close();
  });

  for (const [name, fault] of [
    ["429 storm", { error429: 1 }],
    ["outage", { error500: 1 }],
  ] as const) {
    it(`${name}: polls answered from the last state, the refresher backs off, and recovers within 2 refreshes`, async () => {
      const { id } = parseAccessNumber(await call({ action: "getNumber", service: "tg", country: "62" }));
      const upstreamId = (await gw.running.deps.ids.resolve(Number(id), ownerOf(key)))!.upstreamId;
      await waitFor("a refresh", async () => ((await count(sb, LIST)) > 0 ? true : undefined));
      await sb.control.setFaults([{ route: LIST, phase: "before", ...fault }]);
      await sb.control.resetStats();
      const answers = new Set<string>();
      const stormUntil = Date.now() + 3000;
      while (Date.now() < stormUntil) {
        answers.add(await call({ action: "getStatus", id }));
        await new Promise((r) => setTimeout(r, 50));
      }
      expect([...answers]).toEqual(["STATUS_WAIT_CODE"]); // never ERROR_SQL: the last known state
      const duringStorm = await count(sb, LIST);
      // a 429 waits out Retry-After (1 s), an outage opens the breaker: fewer tries than intervals
      expect(duringStorm).toBeLessThan(3000 / 300);
      await sb.control.clearFaults();
      await sb.control.deliverSms({ activationId: upstreamId }, "Your code is 77777");
      const listsBefore = await count(sb, LIST);
      await waitFor("the code after recovery", async () =>
        (await call({ action: "getStatus", id })) === "STATUS_OK:77777" ? true : undefined,
      );
      expect((await count(sb, LIST)) - listsBefore).toBeLessThanOrEqual(3); // recovered within 2 refreshes (+ the one that saw it)
      await call({ action: "setStatus", id, status: "6" });
    }, 30_000);
  }
});
