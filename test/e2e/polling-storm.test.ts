import { Agent, request } from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import { ownerOf } from "../../src/common/owner.js";
import { buy, usePair, withGatewayAndSandbox } from "../helpers/gateway.js";
import { pause, waitFor } from "../helpers/wait.js";

/**
 * The polling shield under a storm: 200 pollers on 20 activations, each asking every 100 ms for
 * 10 s, shield at 1 s; the codes arrive part-way through. Every poll gets a correct answer, and the
 * upstream sees at most one status read per activation per shield period of the time the storm
 * really took (measured here, so a slow machine that manages fewer polls cannot fail it). How many
 * polls a machine answers per second is a figure for `npm run bench`, not a test.
 */
const ACTIVATIONS = 20;
const POLLERS = 200;
const INTERVAL_MS = 100;
const DURATION_MS = 10_000;
const SHIELD_MS = 1000;

const pair = usePair(() =>
  withGatewayAndSandbox({
    sandbox: { config: { autoSms: false, rateLimitPerS: 100_000 } },
    gateway: { env: { STATUS_CACHE_MS: String(SHIELD_MS), TRACK_INTERVAL_MS: "0" } }, // the shield alone
  }),
);
const agent = new Agent({ keepAlive: true, maxSockets: POLLERS });
afterAll(() => agent.destroy());

function poll(id: string): Promise<string> {
  const url = `${pair.gw.legacyUrl}?api_key=${pair.key}&action=getStatus&id=${id}`;
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
  it(`${POLLERS} pollers on ${ACTIVATIONS} activations: every answer right, upstream reads within the shield's bound`, async () => {
    const { sb, gw, key } = pair;
    const ids: string[] = [];
    for (let i = 0; i < ACTIVATIONS; i++) ids.push((await buy(gw, key)).id);
    const owner = ownerOf(key);
    const upstreamIds = await Promise.all(
      ids.map(async (id) => (await gw.deps.ids.resolve(Number(id), owner))!.upstreamId),
    );

    await sb.control.resetStats();
    const started = performance.now();
    const end = started + DURATION_MS;
    // Each poller polls one activation every INTERVAL_MS until the storm's time is up and it has
    // seen the code (the pace is the pollers'; the load on the machine decides how many polls fit).
    const pollers = Array.from({ length: POLLERS }, (_, p) => ({
      id: ids[p % ACTIVATIONS]!,
      seen: [] as string[],
    }));
    const storm = Promise.all(
      pollers.map(async (poller) => {
        while (performance.now() < end || !poller.seen.at(-1)?.startsWith("STATUS_OK")) {
          const sent = performance.now();
          poller.seen.push(await poll(poller.id));
          if (performance.now() > end + 30_000) break; // the assertions below say what is missing
          await pause(INTERVAL_MS - (performance.now() - sent));
        }
      }),
    );
    // The codes arrive part-way through, once every poller has seen the activation waiting.
    await waitFor(
      "every poller to see STATUS_WAIT_CODE and the storm's first phase to pass",
      () => pollers.every((p) => p.seen.length > 0) && performance.now() >= started + 0.4 * DURATION_MS,
      { timeoutMs: DURATION_MS + 20_000 },
    );
    for (const activationId of upstreamIds) await sb.control.deliverSms({ activationId });
    await storm;
    const stats = await sb.control.stats();
    const elapsedMs = performance.now() - started;

    const codes = new Map(
      (await sb.control.activations(key)).map((a) => [a.id, (a as { smsCode?: string | null }).smsCode]),
    );
    let polls = 0;
    for (const [p, { id, seen }] of pollers.entries()) {
      const code = codes.get(upstreamIds[p % ACTIVATIONS]!);
      expect(code).toMatch(/^\d{4,6}$/);
      polls += seen.length;
      // waiting, then the code, never back: each poller's answers in the order it got them
      const firstOk = seen.indexOf(`STATUS_OK:${code}`);
      expect(firstOk, `poller ${p} (id ${id}) never saw its code: ${seen.slice(-3)}`).toBeGreaterThan(0);
      expect(new Set(seen.slice(0, firstOk)), `poller ${p} before the code`).toEqual(
        new Set(["STATUS_WAIT_CODE"]),
      );
      expect(new Set(seen.slice(firstOk)), `poller ${p} after the code`).toEqual(
        new Set([`STATUS_OK:${code}`]),
      );
    }

    // At most one read per activation per shield period of the time the storm took (+ one each).
    const upstreamReads = stats.requests["GET /api/v1/activations/:id"] ?? 0;
    const bound = ACTIVATIONS * (Math.floor(elapsedMs / SHIELD_MS) + 2);
    expect(upstreamReads).toBeGreaterThan(0);
    expect(upstreamReads).toBeLessThanOrEqual(bound);
    console.info(
      `polling storm: ${polls} polls in ${(elapsedMs / 1000).toFixed(1)} s, ${upstreamReads} upstream reads (bound ${bound})`,
    );
  }, 90_000);
});
