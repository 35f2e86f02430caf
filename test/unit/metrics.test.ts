import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createMetrics, OTHER } from "../../src/metrics.js";
import type { IdStore } from "../../src/store/id-store.js";
import { StatusShield } from "../../src/upstream/status-shield.js";

const API_KEY = "0123456789abcdef0123456789abcdef";
const CUID = "cmb2x9k3f0000qz8h4n7a1b2c";

/** Every label value of every series in an exposition (`name{a="x",b="y"} 1` → x, y). */
function labelValues(text: string): string[] {
  return [...text.matchAll(/(\w+)="([^"]*)"/g)].map((m) => m[2]!);
}

describe("createMetrics", () => {
  it("exposes the recorded events with their labels and values", async () => {
    const m = createMetrics({ actions: ["getNumber", "getStatus"] });
    m.legacyAnswer("getNumber", "ACCESS_NUMBER", 0.012);
    m.legacyAnswer("getNumber", "ACCESS_NUMBER", 0.02);
    m.legacyAnswer("getStatus", "STATUS_WAIT_CODE", 0.0003);
    m.upstreamCall({ route: "GET /activations/:id", outcome: "ok", ms: 4 });
    m.upstreamCall({ route: "POST /activations", outcome: "timeout", ms: 15_000 });
    m.cacheHit("services");
    m.cacheMiss("services");
    m.cacheMiss("services");
    m.shieldCoalesced();
    m.shieldStaleServed();
    m.breakerState("smsbulk", "open");
    m.idStoreOp("upsert", 0.0002);
    m.reconciliation("claimed");
    m.orphanCancel("cancelled");

    const text = await m.render();
    expect(m.contentType).toContain("text/plain");
    for (const sample of [
      'smsgw_legacy_requests_total{action="getNumber",token="ACCESS_NUMBER"} 2',
      'smsgw_legacy_requests_total{action="getStatus",token="STATUS_WAIT_CODE"} 1',
      'smsgw_legacy_request_duration_seconds_bucket{le="0.0005",action="getStatus"} 1',
      'smsgw_legacy_request_duration_seconds_count{action="getNumber"} 2',
      'smsgw_upstream_calls_total{route="GET /activations/:id",outcome="ok"} 1',
      'smsgw_upstream_calls_total{route="POST /activations",outcome="timeout"} 1',
      'smsgw_upstream_call_duration_seconds_bucket{le="0.005",route="GET /activations/:id"} 1',
      'smsgw_upstream_call_duration_seconds_sum{route="POST /activations"} 15',
      'smsgw_cache_hits_total{cache="services"} 1',
      'smsgw_cache_misses_total{cache="services"} 2',
      "smsgw_shield_coalesced_total 1",
      "smsgw_shield_stale_served_total 1",
      'smsgw_breaker_state{upstream="smsbulk"} 2',
      'smsgw_id_store_op_duration_seconds_count{op="upsert"} 1',
      'smsgw_reconciliations_total{result="claimed"} 1',
      'smsgw_orphan_cancels_total{result="cancelled"} 1',
    ])
      expect(text).toContain(sample);
    expect(text).toContain("process_cpu_user_seconds_total"); // default process metrics
  });

  it("uses its own registry: two instances do not share series", async () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    a.reconciliation("claimed");
    expect(await a.render()).toContain('smsgw_reconciliations_total{result="claimed"} 1');
    expect(await b.render()).not.toContain('result="claimed"');
  });

  it("breaker gauge: closed 0, half-open 1, open 2", async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.breakerState("smsbulk", "half-open");
    expect(await m.render()).toContain('smsgw_breaker_state{upstream="smsbulk"} 1');
    m.breakerState("smsbulk", "closed");
    expect(await m.render()).toContain('smsgw_breaker_state{upstream="smsbulk"} 0');
  });

  it("counts a StatusShield's hits, misses and coalesced reads", async () => {
    const m = createMetrics({ defaultMetrics: false });
    let release: () => void = () => {};
    const read = () =>
      new Promise<never>((_, reject) => {
        release = () => reject(new Error("gone"));
      });
    const shield = new StatusShield(read, 1000, m.shieldEvents());
    const first = shield.get("owner", "key", "act").catch(() => undefined);
    const second = shield.get("owner", "key", "act").catch(() => undefined);
    release();
    await Promise.all([first, second]);
    const text = await m.render();
    expect(text).toContain('smsgw_cache_misses_total{cache="status"} 1');
    expect(text).toContain("smsgw_shield_coalesced_total 1");
  });

  it("times every id-store call by operation and passes results and errors through", async () => {
    const m = createMetrics({ defaultMetrics: false });
    let closed = false;
    const store = {
      resolve: async (n: number) => (n === 1 ? { numericId: 1 } : undefined),
      ping: async () => {
        throw new Error("down");
      },
      close: async () => {
        closed = true;
      },
    } as unknown as IdStore;
    const timed = m.instrumentIdStore(store);
    expect(await timed.resolve(1, "o")).toEqual({ numericId: 1 });
    await expect(timed.ping()).rejects.toThrow("down");
    await timed.close();
    expect(closed).toBe(true);
    const text = await m.render();
    expect(text).toContain('smsgw_id_store_op_duration_seconds_count{op="resolve"} 1');
    expect(text).toContain('smsgw_id_store_op_duration_seconds_count{op="ping"} 1');
    expect(text).not.toContain('op="close"');
  });
});

describe("label values never carry a key or an id", () => {
  it("maps unknown actions, tokens and routes to 'other'", () => {
    const { labels } = createMetrics({ defaultMetrics: false, actions: ["getNumber"] });
    expect(labels.action(API_KEY)).toBe(OTHER);
    expect(labels.action("getNumber")).toBe("getNumber");
    expect(labels.action("getStatus")).toBe(OTHER); // not in the table it was given
    expect(labels.action("unknown")).toBe("unknown");
    expect(labels.token(API_KEY.toUpperCase())).toBe(OTHER);
    expect(labels.token("ACCESS_NUMBER")).toBe("ACCESS_NUMBER");
    expect(labels.route(`GET /activations/${CUID}`)).toBe(OTHER);
  });

  it("no exposition ever contains a key-like or id-like value fed anywhere", async () => {
    const m = createMetrics({ defaultMetrics: false });
    const hostile = [
      API_KEY,
      API_KEY.toUpperCase(),
      CUID,
      "123456",
      `api_key=${API_KEY}`,
      "abcdefghijabcdefghijk",
    ];
    for (const s of hostile) {
      m.legacyAnswer(s, s, 0.001);
      m.upstreamCall({ route: `GET /activations/${s}`, outcome: s as "ok", ms: 1 });
      m.cacheHit(s);
      m.cacheMiss(s);
      m.breakerState(s, "open");
      m.idStoreOp(s, 0.001);
      m.reconciliation(s);
      m.orphanCancel(s);
    }
    const values = new Set(labelValues(await m.render()));
    for (const s of hostile) expect(values.has(s)).toBe(false);
    for (const v of values) if (!/^[\d.+Inf]+$/.test(v)) expect(v).toBe(OTHER);
  });

  it("property: any string with a digit, or longer than 20 characters, never becomes a label", async () => {
    const m = createMetrics({ defaultMetrics: false });
    const idLike = fc.oneof(
      fc.string({ minLength: 21, maxLength: 64 }),
      fc.tuple(fc.string({ maxLength: 10 }), fc.integer({ min: 0, max: 9 })).map(([s, d]) => `${s}${d}`),
    );
    await fc.assert(
      fc.asyncProperty(idLike, async (s) => {
        m.legacyAnswer(s, s, 0.001);
        m.cacheHit(s);
        m.reconciliation(s);
        m.orphanCancel(s);
        m.breakerState(s, "closed");
        m.idStoreOp(s, 0.001);
        const values = labelValues(await m.render());
        return !values.includes(s) || /^[\d.]+$/.test(s);
      }),
      { numRuns: 200 },
    );
  });
});
