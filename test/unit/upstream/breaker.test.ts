import { describe, expect, it } from "vitest";
import { type BreakerState, CircuitBreaker } from "../../../src/upstream/breaker.js";

function breaker() {
  let now = 0;
  const changes: BreakerState[] = [];
  const b = new CircuitBreaker({
    threshold: 3,
    cooldownMs: 1000,
    now: () => now,
    onChange: (s) => changes.push(s),
  });
  return { b, changes, advance: (ms: number) => (now += ms) };
}

describe("CircuitBreaker", () => {
  it("opens after `threshold` outages in a row and fails fast", () => {
    const { b } = breaker();
    for (let i = 0; i < 2; i++) {
      expect(b.tryAcquire()).toBe(true);
      b.recordOutage("boom");
    }
    expect(b.state).toBe("closed");
    b.tryAcquire();
    b.recordOutage("boom");
    expect(b.state).toBe("open");
    expect(b.tryAcquire()).toBe(false);
    expect(b.lastError).toBe("boom");
  });

  it("a success resets the count; neutral answers (4xx) neither count nor reset", () => {
    const { b } = breaker();
    b.recordOutage("x");
    b.recordOutage("x");
    b.recordSuccess();
    b.recordOutage("x");
    b.recordNeutral();
    b.recordOutage("x");
    expect(b.state).toBe("closed");
    b.recordOutage("x");
    expect(b.state).toBe("open");
  });

  it("lets one probe through after the cool-down; success closes, failure reopens", () => {
    const { b, changes, advance } = breaker();
    for (let i = 0; i < 3; i++) b.recordOutage("x");
    advance(999);
    expect(b.tryAcquire()).toBe(false);
    advance(1);
    expect(b.state).toBe("half-open");
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false); // one probe at a time
    b.recordOutage("still down");
    expect(b.state).toBe("open");
    advance(1000);
    expect(b.tryAcquire()).toBe(true);
    b.recordSuccess();
    expect(b.state).toBe("closed");
    expect(changes).toEqual(["open", "half-open", "open", "half-open", "closed"]);
  });
});

describe("CircuitBreaker health (for /readyz)", () => {
  it("unknown before any call; up since the first answer", () => {
    const { b, advance } = breaker();
    expect(b.health()).toEqual({
      breaker: "closed",
      state: "unknown",
      lastError: undefined,
      lastErrorAt: undefined,
      healthySince: undefined,
    });
    advance(100);
    b.recordSuccess();
    advance(50);
    b.recordSuccess(); // still up since the first one
    expect(b.health()).toMatchObject({ state: "up", healthySince: 100, lastErrorAt: undefined });
  });

  it("an outage: down, with its message and time; the next answer: up again since then, the error kept as history", () => {
    const { b, advance } = breaker();
    b.recordSuccess();
    advance(1000);
    b.recordOutage("GET /wallet/balance: unavailable");
    expect(b.health()).toMatchObject({
      state: "down",
      lastError: "GET /wallet/balance: unavailable",
      lastErrorAt: 1000,
      healthySince: undefined,
    });
    advance(500);
    b.recordOutage("GET /wallet/balance: timeout");
    expect(b.health()).toMatchObject({ state: "down", lastErrorAt: 1500, healthySince: undefined });
    advance(250);
    b.recordSuccess();
    expect(b.health()).toMatchObject({
      state: "up",
      lastError: "GET /wallet/balance: timeout",
      lastErrorAt: 1500,
      healthySince: 1750,
    });
  });

  it("an upstream 4xx or stockout (answered) counts as up; a call refused before sending does not", () => {
    const { b, advance } = breaker();
    b.recordOutage("x");
    advance(10);
    b.recordNeutral(); // e.g. the key's queue was full: nothing reached the upstream
    expect(b.health().state).toBe("down");
    advance(10);
    b.recordNeutral(true); // e.g. a 404 from the upstream
    expect(b.health()).toMatchObject({ state: "up", healthySince: 20 });
  });

  it("reports the breaker as it is now (open, then half-open after the cool-down)", () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.recordOutage("x");
    expect(b.health().breaker).toBe("open");
    advance(1000);
    expect(b.health().breaker).toBe("half-open");
  });
});
