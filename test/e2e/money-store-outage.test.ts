import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ownerOf } from "../../src/common/owner.js";
import type { IdStore } from "../../src/store/id-store.js";
import { usePair } from "../helpers/gateway.js";
import { startHarness } from "../helpers/harness.js";

/**
 * A purchase the upstream made while the id store refuses to record it (Redis down, SQLite's disk
 * full): the process that bought it holds its id and key, stores it once the store answers within
 * the purchase deadline, or cancels it upstream at once. Never charged and handed to no bot.
 */
const DEADLINE_MS = 1500;
const logs: string[] = [];
const pair = usePair(() =>
  startHarness({
    sandbox: { config: { autoSms: false, cancelCooldownS: 0 } },
    gateway: {
      log: pino({ level: "info" }, { write: (line: string) => logs.push(line) }),
      env: { PURCHASE_TIMEOUT_MS: String(DEADLINE_MS) },
    },
  }),
);

/** The gateway's id store, with `upsert` failing like a store that is down, `failures` times. */
function failUpserts(failures: number): () => void {
  const real = pair.gw.deps.ids;
  let left = failures;
  const failing: IdStore = Object.create(real);
  failing.upsert = (...args) => {
    if (left-- > 0) return Promise.reject(new Error("SQLITE_FULL: database or disk is full"));
    return real.upsert(...args);
  };
  pair.gw.deps.ids = failing;
  return () => {
    pair.gw.deps.ids = real;
  };
}

async function balanceCents(): Promise<number> {
  const { sb, key } = pair;
  return Math.round(Number((await sb.api("/wallet/balance", { key })).body.balance) * 100);
}

describe("a purchase whose id the store cannot record", () => {
  it("is handed to the bot once the store answers within the deadline", async () => {
    const { gw, sb, key } = pair;
    const restore = failUpserts(3);
    try {
      const answer = await gw.call({ api_key: key, action: "getNumber", service: "tg", country: "62" });
      expect(answer).toMatch(/^ACCESS_NUMBER:\d+:\d+$/);
      const record = await gw.deps.ids.resolve(Number(answer.split(":")[1]), ownerOf(key));
      const sold = await sb.control.activations(key);
      expect(sold.find((a) => a.id === record?.upstreamId)?.status).toBe("WAITING");
    } finally {
      restore();
    }
  });

  it("is cancelled upstream at once when the store fails throughout, and the bot gets ERROR_SQL", async () => {
    const { gw, sb, key } = pair;
    const before = await balanceCents();
    const soldBefore = new Set((await sb.control.activations(key)).map((a) => a.id));
    const restore = failUpserts(Number.POSITIVE_INFINITY);
    let answer: string;
    try {
      answer = await gw.call({ api_key: key, action: "getNumber", service: "tg", country: "62" });
    } finally {
      restore();
    }
    expect(answer).toBe("ERROR_SQL");
    const bought = (await sb.control.activations(key)).filter((a) => !soldBefore.has(a.id));
    expect(bought).toHaveLength(1);
    expect(bought[0]?.status).toBe("CANCELLED");
    expect(await balanceCents()).toBe(before);

    const errors = logs.filter((l) => l.includes("purchase cancelled upstream"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(bought[0]?.id);
    expect(errors[0]).not.toContain(key);
    const metrics = await (await gw.fetch("/metrics")).text();
    expect(metrics).toMatch(/purchases_unstored_total\{outcome="cancelled"\} 1/);
  });
});
