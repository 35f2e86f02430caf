import { Agent, request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAccessNumber, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

/**
 * The polling shield under a storm: 200 pollers on 20 activations, each asking every 100 ms for
 * 10 s, shield at 1 s. The upstream sees at most 20 × (10 s / 1 s + 1) status reads, and every
 * poll gets a correct answer.
 */
const ACTIVATIONS = 20;
const POLLERS = 200;
const INTERVAL_MS = 100;
const DURATION_MS = 10_000;
const SHIELD_MS = 1000;

let sb: TestSandbox;
let gw: TestGateway;
const agent = new Agent({ keepAlive: true, maxSockets: POLLERS });

beforeAll(async () => {
  // The SMS arrives 4 s in, so the storm sees both states.
  sb = await startTestSandbox({
    clock: "real",
    config: { autoSms: true, smsDelayMs: 4000, rateLimitPerS: 100_000 },
  });
  gw = await startTestGateway({
    upstreamUrl: sb.baseUrl,
    env: { STATUS_CACHE_MS: String(SHIELD_MS), TRACK_INTERVAL_MS: "0" },
  }); // the shield alone
});
afterAll(async () => {
  agent.destroy();
  await gw.close();
  await sb.close();
});

function poll(id: string): Promise<string> {
  const url = `${gw.legacyUrl}?api_key=${sb.apiKey}&action=getStatus&id=${id}`;
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve(res.statusCode === 200 ? body : `HTTP ${res.statusCode}`));
    })
      .on("error", reject)
      .end();
  });
}

describe("polling storm", () => {
  it(`${POLLERS} pollers on ${ACTIVATIONS} activations stay within the shield's bound`, async () => {
    const ids: string[] = [];
    for (let i = 0; i < ACTIVATIONS; i++) {
      ids.push(
        parseAccessNumber(
          await gw.call({ api_key: sb.apiKey, action: "getNumber", service: "tg", country: "62" }),
        ).id,
      );
    }
    await sb.control.resetStats();
    const answers = new Map<string, string[]>(ids.map((id) => [id, []]));
    const end = Date.now() + DURATION_MS;
    await Promise.all(
      Array.from({ length: POLLERS }, async (_, p) => {
        const id = ids[p % ACTIVATIONS]!;
        while (Date.now() < end) {
          const started = Date.now();
          answers.get(id)!.push(await poll(id));
          await new Promise((r) => setTimeout(r, Math.max(0, INTERVAL_MS - (Date.now() - started))));
        }
      }),
    );

    const stats = await sb.control.stats();
    const upstreamReads = stats.requests["GET /api/v1/activations/:id"] ?? 0;
    const bound = ACTIVATIONS * (DURATION_MS / SHIELD_MS + 1);
    expect(upstreamReads).toBeGreaterThan(0);
    expect(upstreamReads).toBeLessThanOrEqual(bound);

    const codes = new Map(
      (await sb.control.activations()).map((a) => [a.id, (a as { smsCode?: string | null }).smsCode]),
    );
    const owner = (await import("../../src/common/owner.js")).ownerOf(sb.apiKey);
    let total = 0;
    for (const id of ids) {
      const record = await gw.running.deps.ids.resolve(Number(id), owner);
      const code = codes.get(record!.upstreamId);
      expect(code).toMatch(/^\d{4,6}$/);
      const seen = answers.get(id)!;
      total += seen.length;
      expect(new Set(seen)).toEqual(new Set(["STATUS_WAIT_CODE", `STATUS_OK:${code}`]));
      expect(seen.at(-1)).toBe(`STATUS_OK:${code}`);
    }
    expect(total).toBeGreaterThan(POLLERS * (DURATION_MS / INTERVAL_MS) * 0.5);
    console.info(`polling storm: ${total} polls answered, ${upstreamReads} upstream reads (bound ${bound})`);
  }, 60_000);
});
