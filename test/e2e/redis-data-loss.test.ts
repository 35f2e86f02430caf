import { afterEach, describe, expect, it } from "vitest";
import { type InProcessGateway, startHarness } from "../helpers/harness.js";
import { type RedisServer, startRedis } from "../helpers/redis.js";
import type { TestSandbox } from "../helpers/sandbox.js";
import { waitFor } from "../helpers/wait.js";

/**
 * Redis restarting EMPTY under running gateways (no persistence, or a container recreated without
 * its volume) must not make the counter start again at 1: no numeric id is handed out twice.
 */
let redis: RedisServer | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => {});
  await redis?.stop().catch(() => {});
  redis = undefined;
});

const KEY_B = "second-key-0000000000000000000000000";

async function buy(gw: InProcessGateway, key: string): Promise<string> {
  return gw.call({ api_key: key, action: "getNumber", service: "tg", country: "62" });
}
const idOf = (answer: string) => Number(/^ACCESS_NUMBER:(\d+):\d+$/.exec(answer)?.[1] ?? Number.NaN);

describe("a Redis that restarts empty", () => {
  it("refuses to allocate (ERROR_SQL, /readyz not ready saying why) until re-seeded above every earlier id", async () => {
    redis = await startRedis();
    const env = { REDIS_URL: redis.url };
    const pair = await startHarness({
      sandbox: { clock: "real", config: { autoSms: false } },
      gateway: { env },
    });
    closers.push(() => pair.close());
    const sb: TestSandbox = pair.sb;
    await sb.control.account(KEY_B, "100.00");
    const seasoned = pair.gw;
    // a replica that has handed out no id yet: it has no high-water mark to re-seed from
    const freshPair = await startHarness({
      sandbox: { clock: "real", config: { autoSms: false } },
      gateway: { env },
    });
    closers.push(() => freshPair.close());
    const fresh = freshPair.gw;
    const handedOut: number[] = [];
    for (const key of [pair.key, KEY_B, pair.key]) handedOut.push(idOf(await buy(seasoned, key)));
    expect(handedOut.every(Number.isSafeInteger), String(handedOut)).toBe(true);

    redis.kill();
    await redis.restart({ empty: true });

    const bought = (await sb.control.stats()).purchases;
    const notReady = await waitFor(
      "/readyz of the fresh replica to say the store lost its data",
      async () => {
        const res = await fresh.fetch("/readyz");
        const body = (await res.json()) as { idStore: string };
        return res.status === 503 && /epoch marker missing/.test(body.idStore) ? body : undefined;
      },
    );
    expect(notReady.idStore).toMatch(/Redis lost its data/);
    // it refuses a purchase before anything is bought upstream
    expect(await buy(fresh, freshPair.key)).toBe("ERROR_SQL");
    expect((await freshPair.sb.control.stats()).purchases).toBe(0);

    // the seasoned replica re-seeds from its mark on its next purchase; ids continue above the old ones
    for (const key of [KEY_B, pair.key]) handedOut.push(idOf(await buy(seasoned, key)));
    const after = handedOut.slice(3);
    expect(after.every(Number.isSafeInteger), String(handedOut)).toBe(true);
    for (const id of after) expect(id).toBeGreaterThan(Math.max(...handedOut.slice(0, 3)));
    expect(new Set(handedOut).size).toBe(handedOut.length);
    expect((await sb.control.stats()).purchases).toBe(bought + 2);
    await waitFor("/readyz of the fresh replica to be ready again", async () =>
      (await fresh.fetch("/readyz")).status === 200 ? true : undefined,
    );
  });
});
