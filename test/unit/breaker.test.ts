import { describe, expect, it } from "vitest";
import { type BreakerState, CircuitBreaker } from "../../src/upstream/breaker.js";

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
