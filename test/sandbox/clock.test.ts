import { describe, expect, it } from "vitest";
import { FakeClock, isoSeconds } from "../../src/sandbox/clock.js";

describe("FakeClock", () => {
  it("starts at the given instant and moves only on advance", () => {
    const clock = new FakeClock("2026-06-03T13:45:00Z");
    expect(isoSeconds(clock.now())).toBe("2026-06-03T13:45:00Z");
    clock.advance(20 * 60_000);
    expect(isoSeconds(clock.now())).toBe("2026-06-03T14:05:00Z");
  });

  it("fires due timers in due order, with now() at each timer's due time", () => {
    const clock = new FakeClock(0);
    const fired: [string, number][] = [];
    clock.setTimeout(() => fired.push(["b", clock.now()]), 200);
    clock.setTimeout(() => fired.push(["a", clock.now()]), 100);
    clock.setTimeout(() => fired.push(["late", clock.now()]), 1000);
    clock.advance(500);
    expect(fired).toEqual([
      ["a", 100],
      ["b", 200],
    ]);
    expect(clock.now()).toBe(500);
    expect(clock.pendingCount).toBe(1);
  });

  it("fires timers scheduled by timers when they fall inside the advanced span", () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 100);
    }, 100);
    clock.advance(250);
    expect(fired).toEqual([100, 200]);
  });

  it("does not fire cleared timers", () => {
    const clock = new FakeClock(0);
    let fired = false;
    const handle = clock.setTimeout(() => {
      fired = true;
    }, 10);
    clock.clearTimeout(handle);
    clock.advance(100);
    expect(fired).toBe(false);
  });

  it("prints ISO-8601 UTC without milliseconds", () => {
    expect(isoSeconds(Date.UTC(2026, 5, 3, 14, 5, 0, 999))).toBe("2026-06-03T14:05:00Z");
  });
});
