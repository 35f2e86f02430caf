import { describe, expect, it } from "vitest";
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
