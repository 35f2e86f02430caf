import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { waitAtMost, withDeadline } from "../../../src/common/deadline.js";

beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] }));
afterEach(() => vi.useRealTimers());

/** Whether `p` has settled after the timers advanced by `ms` (microtasks flushed). */
async function settledAfter(p: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  await vi.advanceTimersByTimeAsync(ms);
  return settled;
}

const never = new Promise<never>(() => undefined);

describe("withDeadline", () => {
  it("gives the work's value when it comes first", async () => {
    await expect(withDeadline(Promise.resolve(7), 100, () => new Error("late"))).resolves.toBe(7);
  });

  it("rejects with onTimeout() once the time is up, not before", async () => {
    const raced = withDeadline(never, 100, () => new Error("late"));
    raced.catch(() => undefined);
    expect(await settledAfter(raced, 99)).toBe(false);
    expect(await settledAfter(raced, 1)).toBe(true);
    await expect(raced).rejects.toThrow("late");
  });

  it("leaves no timer behind", async () => {
    await withDeadline(Promise.resolve(1), 100, () => new Error("late"));
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("waitAtMost", () => {
  it("ends when the work ends", async () => {
    expect(await settledAfter(waitAtMost(Promise.resolve(), 1000), 0)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("ends after ms when the work hangs, not before", async () => {
    const waited = waitAtMost(never, 2000);
    expect(await settledAfter(waited, 1999)).toBe(false);
    expect(await settledAfter(waited, 1)).toBe(true);
  });

  it("never rejects, even when the work does", async () => {
    await expect(waitAtMost(Promise.reject(new Error("boom")), 1000)).resolves.toBeUndefined();
  });
});
