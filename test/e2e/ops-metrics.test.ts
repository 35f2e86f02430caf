import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteIdStore } from "../../src/store/sqlite.js";
import { httpCall, legacy } from "../helpers/ops.js";
import { type SpawnedGateway, spawnGateway } from "../helpers/process.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

/**
 * Metrics: `/metrics` after a short session shows the counters with sensible values,
 * and no label carries a key or an activation id. The id store is seeded so that legacy ids are
 * nine digits long: a label that carried one could not hide among bucket bounds like le="1".
 */
const KEY = "metricsKey_3c9e1a7f5b0d4e2a";
const WRONG_KEY = "wrongKey_d41d8cd98f00b204e980";
const FIRST_ID = 987_654_321;

let sb: TestSandbox;
let gw: SpawnedGateway;
let exposition = "";
const handedOut: string[] = [];

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format, sample lines only (label values unescaped). */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (!m) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    }
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

let samples: Sample[] = [];
/** The value of the one sample with exactly these labels (0 if absent). */
function value(name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (s) =>
      s.name === name &&
      Object.keys(s.labels).length === Object.keys(labels).length &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  expect(found.length, `${name}${JSON.stringify(labels)}`).toBeLessThanOrEqual(1);
  return found[0]?.value ?? 0;
}
const sum = (name: string, where: (labels: Record<string, string>) => boolean = () => true) =>
  samples.filter((s) => s.name === name && where(s.labels)).reduce((n, s) => n + s.value, 0);

beforeAll(async () => {
  sb = await startTestSandbox({
    clock: "real",
    config: { autoSms: false, cancelCooldownS: 0, accounts: [{ apiKey: KEY, balance: "100.00" }] },
  });
  const dataDir = mkdtempSync(join(tmpdir(), "gw-ops-metrics-"));
  const store = await openSqliteIdStore({ dataDir });
  await store.close();
  const db = new Database(join(dataDir, "ids.sqlite"));
  db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('activations', ?)").run(FIRST_ID - 1);
  db.close();

  gw = await spawnGateway({
    UPSTREAM_URL: sb.baseUrl,
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    LOG_LEVEL: "silent",
    STATUS_CACHE_MS: "60000", // the 2nd and 3rd getStatus are cache hits, whatever the machine's speed
    TRACK_INTERVAL_MS: "0", // the polling shield is what is counted here
  });

  // The session: balance, getNumber, getStatus ×3, setStatus, getPrices, a BAD_KEY.
  const call = async (params: Record<string, string>) => {
    const a = await legacy(gw.legacyUrl, params);
    expect(a.status).toBe(200);
    return a.body;
  };
  expect(await call({ api_key: KEY, action: "getBalance" })).toBe("ACCESS_BALANCE:100.00");
  const bought = await call({ api_key: KEY, action: "getNumber", service: "tg", country: "62" });
  const m = /^ACCESS_NUMBER:(\d+):(\d+)$/.exec(bought);
  expect(m, bought).not.toBeNull();
  expect(Number(m![1])).toBe(FIRST_ID);
  handedOut.push(m![1]!, m![2]!);
  for (let i = 0; i < 3; i++)
    expect(await call({ api_key: KEY, action: "getStatus", id: m![1]! })).toBe("STATUS_WAIT_CODE");
  expect(await call({ api_key: KEY, action: "setStatus", id: m![1]!, status: "8" })).toBe("ACCESS_CANCEL");
  expect(await call({ api_key: KEY, action: "getPrices", service: "tg", country: "62" })).toMatch(/^\{/);
  expect(await call({ api_key: WRONG_KEY, action: "getBalance" })).toBe("BAD_KEY");
  for (const a of await sb.control.activations(KEY)) handedOut.push(a.id);
  expect(handedOut).toHaveLength(3); // legacy id, phone number, upstream id

  const res = await httpCall(`${gw.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
  exposition = res.body;
  samples = parseExposition(exposition);
});
afterAll(async () => {
  await gw?.stop();
  await sb?.close();
});

describe("/metrics after a short session (compiled process)", () => {
  it("counts legacy requests by action and answer token", () => {
    const name = "smsgw_legacy_requests_total";
    expect(value(name, { action: "getBalance", token: "ACCESS_BALANCE" })).toBe(1);
    expect(value(name, { action: "getBalance", token: "BAD_KEY" })).toBe(1);
    expect(value(name, { action: "getNumber", token: "ACCESS_NUMBER" })).toBe(1);
    expect(value(name, { action: "getStatus", token: "STATUS_WAIT_CODE" })).toBe(3);
    expect(value(name, { action: "setStatus", token: "ACCESS_CANCEL" })).toBe(1);
    expect(value(name, { action: "getPrices", token: "JSON" })).toBe(1);
    expect(sum(name)).toBe(8);
  });

  it("has latency histograms by action", () => {
    const name = "smsgw_legacy_request_duration_seconds";
    expect(value(`${name}_count`, { action: "getStatus" })).toBe(3);
    expect(value(`${name}_count`, { action: "getBalance" })).toBe(2);
    expect(value(`${name}_bucket`, { action: "getStatus", le: "+Inf" })).toBe(3);
    expect(value(`${name}_sum`, { action: "getNumber" })).toBeGreaterThan(0);
    // buckets are cumulative and span 0.1 ms … 10 s
    const buckets = samples.filter((s) => s.name === `${name}_bucket` && s.labels.action === "getStatus");
    expect(buckets.map((b) => b.labels.le)).toEqual(expect.arrayContaining(["0.0001", "10", "+Inf"]));
    const counts = buckets.map((b) => b.value);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
  });

  it("counts upstream calls by route and outcome", () => {
    expect(value("smsgw_upstream_call_duration_seconds_count", { route: "POST /activations" })).toBe(1);
    const name = "smsgw_upstream_calls_total";
    expect(value(name, { route: "GET /wallet/balance", outcome: "ok" })).toBe(1);
    expect(value(name, { route: "GET /wallet/balance", outcome: "unauthorized" })).toBe(1);
    expect(value(name, { route: "POST /activations", outcome: "ok" })).toBe(1);
    expect(value(name, { route: "DELETE /activations/:id", outcome: "ok" })).toBe(1);
    // one status read for three polls (the shield's cache), maybe one more by setStatus
    const reads = value(name, { route: "GET /activations/:id", outcome: "ok" });
    expect(reads).toBeGreaterThanOrEqual(1);
    expect(reads).toBeLessThanOrEqual(2);
    expect(value(name, { route: "GET /services", outcome: "ok" })).toBeGreaterThanOrEqual(1);
    expect(value(name, { route: "GET /services/:code/countries", outcome: "ok" })).toBeGreaterThanOrEqual(1);
    expect(sum(name, (l) => l.outcome !== "ok" && l.outcome !== "unauthorized")).toBe(0);
  });

  it("counts cache hits and misses by cache, and reports the breaker and the id store", () => {
    expect(value("smsgw_cache_hits_total", { cache: "status" })).toBeGreaterThanOrEqual(2);
    expect(value("smsgw_cache_misses_total", { cache: "status" })).toBeGreaterThanOrEqual(1);
    expect(sum("smsgw_cache_misses_total")).toBeGreaterThan(
      value("smsgw_cache_misses_total", { cache: "status" }),
    );
    expect(value("smsgw_breaker_state", { upstream: "upstream" })).toBe(0);
    const idStore = "smsgw_id_store_op_duration_seconds";
    expect(value(`${idStore}_count`, { op: "upsert" })).toBe(1);
    // the polls resolve their id from the record cache: the purchase's upsert put it there
    expect(value("smsgw_cache_hits_total", { cache: "records" })).toBeGreaterThanOrEqual(4);
    expect(value(`${idStore}_count`, { op: "addIntent" })).toBe(1);
    expect(value(`${idStore}_bucket`, { op: "upsert", le: "+Inf" })).toBe(1);
    for (const name of [
      "smsgw_shield_coalesced_total",
      "smsgw_shield_stale_served_total",
      "smsgw_reconciliations_total",
      "smsgw_orphan_cancels_total",
      "process_cpu_user_seconds_total",
    ]) {
      expect(exposition).toContain(`# TYPE ${name} counter`);
    }
    expect(sum("smsgw_reconciliations_total")).toBe(0);
  });

  it("no label value carries an api key or an activation id", () => {
    const all = samples.flatMap((s) => Object.entries(s.labels).map(([k, v]) => ({ metric: s.name, k, v })));
    expect(all.length).toBeGreaterThan(200);
    for (const { metric, k, v } of all) {
      for (const secret of [KEY, WRONG_KEY, ...handedOut]) {
        expect(v, `${metric} ${k}="${v}"`).not.toContain(secret);
      }
      // our own labels are words from closed lists: no digits except bucket bounds
      if (metric.startsWith("smsgw_") && k !== "le") expect(v, `${metric} ${k}="${v}"`).not.toMatch(/\d/);
    }
    expect(exposition).not.toContain(KEY);
    expect(exposition).not.toContain(WRONG_KEY);
  });
});

describe("smsgw_breaker_state follows the breaker (compiled process, upstream down)", () => {
  let down: SpawnedGateway;
  beforeAll(async () => {
    const gone = await startTestSandbox({ clock: "real" });
    await gone.close(); // its port now refuses connections
    down = await spawnGateway({
      UPSTREAM_URL: gone.baseUrl,
      PORT: "0",
      HOST: "127.0.0.1",
      DATA_DIR: mkdtempSync(join(tmpdir(), "gw-ops-metrics-down-")),
      LOG_LEVEL: "silent",
      BREAKER_THRESHOLD: "2",
      BREAKER_COOLDOWN_MS: "600000",
    });
    for (let i = 0; i < 3; i++)
      expect((await legacy(down.legacyUrl, { api_key: KEY, action: "getBalance" })).body).toBe("ERROR_SQL");
  });
  afterAll(async () => {
    await down?.stop();
  });

  it("the breaker is open (as /readyz reports)", async () => {
    const ready = JSON.parse((await httpCall(`${down.url}/readyz`)).body);
    expect(ready.upstream.breaker).toBe("open");
  });

  it("smsgw_breaker_state is 2 (open)", async () => {
    const text = (await httpCall(`${down.url}/metrics`)).body;
    const state = parseExposition(text).find((s) => s.name === "smsgw_breaker_state");
    expect(state?.labels).toEqual({ upstream: "upstream" });
    expect(state?.value).toBe(2);
  });
});
