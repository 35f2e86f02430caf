import { afterEach, describe, expect, it, vi } from "vitest";
import type { RequestScope } from "../../../src/common/request-scope.js";
import { CircuitBreaker } from "../../../src/upstream/breaker.js";
import { CallGuard, type UpstreamCallEvent } from "../../../src/upstream/call-guard.js";
import { UpstreamError } from "../../../src/upstream/errors.js";
import { KeyGate } from "../../../src/upstream/key-gate.js";

/** The calls that save money (a lost purchase's reconciliation, a cancel) go through an open breaker. */
function openGuard() {
  let clock = 0;
  const breaker = new CircuitBreaker({ threshold: 1, cooldownMs: 10_000, now: () => clock });
  breaker.recordOutage("POST /activations: unavailable");
  const events: UpstreamCallEvent[] = [];
  const guard = new CallGuard({
    breaker,
    keyGate: new KeyGate({ maxConcurrent: 4, maxQueued: 4 }),
    keyIdOf: (key) => `id-of-${key.length}`,
    onCall: (e) => events.push(e),
  });
  return { guard, breaker, events, advance: (ms: number) => (clock += ms) };
}

const ok = async () => ({ status: 200, value: "listed" });

describe("CallGuard with the breaker open", () => {
  it("refuses an ordinary call without sending it, saying the breaker is open", async () => {
    const { guard, breaker, events } = openGuard();
    expect(breaker.state).toBe("open");
    let sent = false;
    const refusal = await guard
      .run({ route: "GET /activations/:id", key: "k" }, undefined, async () => {
        sent = true;
        return ok();
      })
      .catch((err: unknown) => err);
    expect(sent).toBe(false);
    expect(refusal).toBeInstanceOf(UpstreamError);
    expect((refusal as UpstreamError).detail.breakerOpen).toBe(true);
    expect(events).toEqual([]);
  });

  it("sends an essential call (a reconciliation's listing) and records it; its success closes the breaker", async () => {
    const { guard, breaker, events } = openGuard();
    const scope = { reqId: "r", calls: [], onAnswered: [] };
    await expect(
      guard.run({ route: "GET /activations", key: "k", essential: true }, scope, ok),
    ).resolves.toBe("listed");
    expect(scope.calls).toMatchObject([{ route: "GET /activations", outcome: "ok", status: 200 }]);
    expect(events).toHaveLength(1);
    expect(breaker.state).toBe("closed");
  });

  it("an essential call that fails still counts as an outage", async () => {
    const { guard, breaker } = openGuard();
    const fail = async (): Promise<never> => {
      throw new UpstreamError("timeout", "no answer", { ambiguous: true });
    };
    await expect(
      guard.run({ route: "DELETE /activations/:id", key: "k", essential: true }, undefined, fail),
    ).rejects.toThrow("no answer");
    expect(breaker.state).toBe("open");
  });
});

/** A key in a 429 back-off of `backoffS` seconds, on the fake clock. */
function rateLimitedGuard(backoffS: number) {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  const keyGate = new KeyGate({ maxConcurrent: 4, maxQueued: 4 });
  const events: UpstreamCallEvent[] = [];
  const guard = new CallGuard({
    breaker: new CircuitBreaker({ threshold: 5, cooldownMs: 10_000 }),
    keyGate,
    keyIdOf: (key) => `id-of-${key}`,
    onCall: (e) => events.push(e),
  });
  keyGate.block("id-of-k", backoffS);
  const scope = (): RequestScope => ({ reqId: "r", calls: [], onAnswered: [] });
  return { guard, events, scope };
}

describe("CallGuard during a key's 429 back-off", () => {
  afterEach(() => vi.useRealTimers());

  it("refuses a read without sending it, and the request's scope says it was refused locally", async () => {
    const { guard, events, scope } = rateLimitedGuard(2);
    const mine = scope();
    let sent = false;
    const refusal = await guard
      .run({ route: "GET /activations/:id", key: "k" }, mine, async () => {
        sent = true;
        return ok();
      })
      .catch((err: unknown) => err);
    expect(sent).toBe(false);
    expect((refusal as UpstreamError).kind).toBe("rate_limited");
    expect(mine.refused).toBe("rate limited");
    expect(mine.calls).toEqual([]);
    expect(events).toEqual([]);
  });

  it.each([
    ["until the back-off is over", 2, 2000],
    ["no longer than its deadline when the back-off outlasts it", 10, 5000],
  ])("holds a write %s, then sends it once", async (_, backoffS, heldMs) => {
    const { guard, scope } = rateLimitedGuard(backoffS);
    let sent = 0;
    const write = guard.run(
      { route: "POST /activations/:id/complete", key: "k", priority: "write", maxWaitMs: 5000 },
      scope(),
      async () => {
        sent += 1;
        return { status: 200, value: "completed" };
      },
    );
    await vi.advanceTimersByTimeAsync(heldMs - 1);
    expect(sent).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    await expect(write).resolves.toBe("completed");
    expect(sent).toBe(1);
  });

  it("refuses the tracker's background refresh as it refuses a read", async () => {
    const { guard, scope } = rateLimitedGuard(1);
    await expect(
      guard.run({ route: "GET /activations", key: "k", priority: "background" }, scope(), ok),
    ).rejects.toMatchObject({ kind: "rate_limited" });
  });
});
