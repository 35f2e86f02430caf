import { describe, expect, it } from "vitest";
import { ActivationBoard } from "../../../src/console/activation-board.js";
import { KeysSeen } from "../../../src/console/keys-seen.js";
import { bucketDelta, histogramQuantile } from "../../../src/console/quantile.js";
import { TrafficRecorder } from "../../../src/console/recorder.js";
import { Ring } from "../../../src/console/ring.js";
import { SERIES_SECONDS, Series } from "../../../src/console/series.js";
import { type ActivationEvent, GatewayEvents, type LegacyRequestEvent } from "../../../src/events.js";
import type { Activation } from "../../../src/upstream/schemas.js";

describe("Ring", () => {
  it("keeps the last `capacity` items, numbered from 1 in push order", () => {
    const ring = new Ring<string>(3);
    expect(ring.since(0)).toEqual([]);
    for (const x of ["a", "b", "c", "d", "e"]) ring.push(x);
    expect(ring.seq).toBe(5);
    expect(ring.since(0)).toEqual([
      { seq: 3, item: "c" },
      { seq: 4, item: "d" },
      { seq: 5, item: "e" },
    ]);
    expect(ring.since(4)).toEqual([{ seq: 5, item: "e" }]);
    expect(ring.since(5)).toEqual([]);
    expect(() => new Ring(0)).toThrow();
  });
});

describe("histogramQuantile", () => {
  const b = (pairs: [number, number][]) => pairs.map(([le, count]) => ({ le, count }));
  it("interpolates inside the bucket the rank falls in", () => {
    const buckets = b([
      [0.01, 50],
      [0.1, 90],
      [1, 100],
      [Number.POSITIVE_INFINITY, 100],
    ]);
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.01);
    expect(histogramQuantile(0.7, buckets)).toBeCloseTo(0.01 + 0.09 * 0.5);
    expect(histogramQuantile(0.99, buckets)).toBeCloseTo(0.1 + 0.9 * 0.9);
  });
  it("is undefined without observations; +Inf answers the highest finite bound", () => {
    expect(histogramQuantile(0.5, b([[1, 0]]))).toBeUndefined();
    expect(
      histogramQuantile(
        0.99,
        b([
          [1, 0],
          [Number.POSITIVE_INFINITY, 5],
        ]),
      ),
    ).toBe(1);
  });
  it("bucketDelta subtracts two readings bucket by bucket", () => {
    expect(bucketDelta(b([[1, 2]]), b([[1, 5]]))).toEqual(b([[1, 3]]));
  });
});

describe("Series", () => {
  it("counts the calls between two readings of the totals; no calls → no latency", () => {
    const series = new Series();
    const totals = (ok: number, failed: number, fast: number) => ({
      ok,
      failed,
      buckets: [
        { le: 0.01, count: fast },
        { le: Number.POSITIVE_INFINITY, count: ok + failed },
      ],
    });
    series.baseline(totals(10, 0, 10));
    const point = series.add(1000, { success: 3, protocol: 1, upstream: 2 }, totals(14, 2, 16));
    expect(point).toMatchObject({
      t: 1000,
      success: 3,
      protocol: 1,
      upstream: 2,
      callsOk: 4,
      callsFailed: 2,
    });
    expect(point.p50).toBeCloseTo(5); // 6 calls, all ≤ 10 ms: the median is interpolated to 5 ms
    const idle = series.add(2000, { success: 0, protocol: 0, upstream: 0 }, totals(14, 2, 16));
    expect(idle).toMatchObject({ callsOk: 0, callsFailed: 0, p50: null, p99: null });
    expect(series.all().map((p) => p.t)).toEqual([1000, 2000]);
    expect(series.seq).toBe(2);
  });

  it("since(n): the points after point n, oldest first, only those still kept", () => {
    const series = new Series();
    const quiet = { success: 0, protocol: 0, upstream: 0 };
    for (let second = 1; second <= SERIES_SECONDS + 5; second++) series.add(second * 1000, quiet, undefined);
    expect(series.since(series.seq).map((p) => p.t)).toEqual([]);
    expect(series.since(series.seq - 2).map((p) => p.t)).toEqual([604_000, 605_000]);
    // a reader three points behind the ring's start gets what is left, from the oldest kept
    expect(series.since(2)).toHaveLength(SERIES_SECONDS);
    expect(series.since(2)[0]?.t).toBe(6000);
  });
});

const activation = (over: Partial<Activation> = {}): Activation => ({
  id: "cuid1",
  phoneNumber: "905012345678",
  status: "WAITING",
  serviceCode: "tg",
  countryIso: "TR",
  smsCode: null,
  smsText: null,
  userCost: "0.60",
  createdAt: "2026-11-29T10:00:00Z",
  ...over,
});
const NOW = Date.parse("2026-11-29T10:00:05Z");
const event = (numericId: number, a: Activation, owner = "a".repeat(40)): ActivationEvent => ({
  at: NOW,
  owner,
  numericId,
  countryId: 62,
  activation: a,
});

describe("ActivationBoard and per-key figures", () => {
  it("counts a number bought today once, its cost until refunded, one code per new code", () => {
    const keys = new KeysSeen(() => NOW);
    const board = new ActivationBoard(keys, undefined, () => NOW);
    const owner = "a".repeat(40);
    board.apply(event(1, activation()));
    board.apply(event(1, activation())); // a poll with nothing new
    expect(board.version).toBe(1);
    board.apply(event(1, activation({ status: "RECEIVED", smsCode: "12345" })));
    board.apply(event(2, activation({ id: "cuid2", userCost: "1.00" })));
    board.apply(event(2, activation({ id: "cuid2", userCost: "1.00", status: "CANCELLED" })));
    board.apply(event(1, activation({ status: "WAITING", smsCode: "12345" }))); // a resend: no new code
    board.apply(event(1, activation({ status: "RECEIVED", smsCode: "67890" })));
    expect(keys.today(owner)).toEqual({ spentCents: 60, bought: 2, codes: 2, calls: 0 });
    expect(keys.rows()).toEqual([
      { key: "aaaaaaaaaaaa", who: "aaaaaaaa", spent: "0.60", bought: 2, codes: 2, calls: 0, limits: null },
    ]);
    // live first, then ended
    expect(board.all().map((e) => [e.numericId, e.endedAt === undefined])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(board.changedSince(board.version - 1).map((e) => e.numericId)).toEqual([1]);
  });

  it("shows a key's spend limits in words next to its spend", () => {
    const limited = "a".repeat(40);
    const keys = new KeysSeen(
      () => NOW,
      (owner) => (owner === limited ? { dailyCents: 500, maxLive: 3 } : undefined),
    );
    const board = new ActivationBoard(keys, undefined, () => NOW);
    board.apply(event(1, activation()));
    keys.sawRequest("b".repeat(40), undefined, 1);
    expect(keys.rows().map((r) => [r.who, r.limits])).toEqual([
      ["aaaaaaaa", "daily 5.00, live 3"],
      ["bbbbbbbb", null],
    ]);
  });

  it("does not count an activation again when it comes back after leaving the board", () => {
    const keys = new KeysSeen(() => NOW);
    const board = new ActivationBoard(keys, { live: 10, ended: 1 }, () => NOW);
    board.apply(event(1, activation({ status: "COMPLETED", smsCode: "1111" })));
    board.apply(event(2, activation({ id: "c2", status: "COMPLETED", smsCode: "2222" })));
    expect(board.get(1)).toBeUndefined(); // only one ended activation is kept
    board.apply(event(1, activation({ status: "COMPLETED", smsCode: "1111" }))); // listed again
    expect(keys.today("a".repeat(40))).toMatchObject({ bought: 2, codes: 2, spentCents: 120 });
  });

  it("an activation bought on another day counts nowhere today", () => {
    const keys = new KeysSeen(() => NOW);
    const board = new ActivationBoard(keys, undefined, () => NOW);
    board.apply(
      event(1, activation({ createdAt: "2026-11-28T23:59:59Z", smsCode: "1234", status: "RECEIVED" })),
    );
    expect(keys.rows()).toEqual([]);
    expect(board.get(1)).toBeDefined();
  });

  it("starts a key's figures afresh at midnight UTC, and again if the clock is set back a day", () => {
    let now = Date.parse("2026-11-29T23:59:59.900Z");
    const keys = new KeysSeen(() => now);
    const owner = "e".repeat(40);
    keys.sawRequest(owner, undefined, 3);
    keys.sawRequest(owner, undefined, 2);
    expect(keys.today(owner).calls).toBe(5);
    now = Date.parse("2026-11-30T00:00:00.000Z");
    expect(keys.today(owner).calls).toBe(0);
    keys.sawRequest(owner, undefined, 1);
    now = Date.parse("2026-11-29T12:00:00.000Z");
    expect(keys.today(owner).calls).toBe(0);
  });
});

describe("TrafficRecorder", () => {
  const request = (owner: string, token: string, calls = 1): LegacyRequestEvent => ({
    at: NOW,
    reqId: "r",
    owner,
    who: owner === "b".repeat(40) ? "bot B" : undefined,
    action: "getStatus",
    params: { action: "getStatus", id: "1" },
    calls: Array.from({ length: calls }, () => ({
      route: "GET /activations/:id",
      status: 200,
      outcome: "ok",
      ms: 1,
    })),
    token,
    answer: token,
    ms: 2,
  });

  it("records only while started; folds counts by class and per key, and activations onto the board", () => {
    const events = new GatewayEvents();
    const keys = new KeysSeen(() => NOW);
    const board = new ActivationBoard(keys, undefined, () => NOW);
    const recorder = new TrafficRecorder(events, keys, board);
    expect(events.listening("request")).toBe(false);
    recorder.start();
    expect(events.listening("request")).toBe(true);
    events.emit("request", request("b".repeat(40), "STATUS_OK"));
    events.emit("request", request("b".repeat(40), "ERROR_SQL", 2));
    events.emit("request", request("c".repeat(40), "NO_ACTIVATION", 0));
    events.emit("activation", event(7, activation(), "b".repeat(40)));
    expect(board.get(7)).toBeUndefined(); // not folded yet: the request path only pushed
    recorder.fold();
    expect(board.get(7)).toBeDefined();
    expect(recorder.takeCounts()).toEqual({ success: 1, protocol: 1, upstream: 1 });
    expect(recorder.takeCounts()).toEqual({ success: 0, protocol: 0, upstream: 0 });
    expect(keys.whoOf("b".repeat(40))).toBe("bot B");
    expect(keys.whoOf("c".repeat(40))).toBe("cccccccc");
    expect(keys.today("b".repeat(40)).calls).toBe(3);
    recorder.stop();
    expect(events.listening("request")).toBe(false);
    expect(events.listening("activation")).toBe(false);
  });

  it("folds before the ring would overwrite an event not counted yet", () => {
    const events = new GatewayEvents();
    const keys = new KeysSeen(() => NOW);
    const recorder = new TrafficRecorder(events, keys, new ActivationBoard(keys, undefined, () => NOW));
    recorder.start();
    for (let i = 0; i < 2500; i++) events.emit("request", request("d".repeat(40), "STATUS_WAIT_CODE"));
    recorder.fold();
    expect(recorder.takeCounts().success).toBe(2500);
    expect(recorder.requests.since(0)).toHaveLength(1000);
  });
});
