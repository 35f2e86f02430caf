import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { retrying } from "../../../src/common/retry.js";

beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] }));
afterEach(() => vi.useRealTimers());

/** An attempt that fails `failures` times, then answers "ok"; the times it was called at. */
function flaky(failures: number) {
  const calledAt: number[] = [];
  const attempt = async () => {
    calledAt.push(Date.now());
    if (calledAt.length <= failures) throw new Error(`failure ${calledAt.length}`);
    return "ok";
  };
  return { attempt, calledAt };
}

describe("retrying", () => {
  it("pauses as the schedule says, then every thenEveryMs, until it succeeds", async () => {
    const { attempt, calledAt } = flaky(4);
    const done = retrying(attempt, { pausesMs: [100, 250], thenEveryMs: 1000 });
    await vi.runAllTimersAsync();
    await expect(done).resolves.toBe("ok");
    const start = calledAt[0]!;
    expect(calledAt.map((t) => t - start)).toEqual([0, 100, 350, 1350, 2350]);
  });

  it("gives up with the last failure when the pauses run out", async () => {
    const { attempt, calledAt } = flaky(10);
    const done = retrying(attempt, { pausesMs: [10, 20] }).catch((err: Error) => err.message);
    await vi.runAllTimersAsync();
    expect(await done).toBe("failure 3");
    expect(calledAt).toHaveLength(3);
  });

  it("gives up rather than pause past giveUpAt, and at once on a failure not retryable", async () => {
    const late = flaky(10);
    const byDeadline = retrying(late.attempt, {
      pausesMs: [],
      thenEveryMs: 400,
      giveUpAt: Date.now() + 1000,
    });
    const caught = byDeadline.catch(() => "gave up");
    await vi.runAllTimersAsync();
    expect(await caught).toBe("gave up");
    expect(late.calledAt).toHaveLength(3); // at 0, 400 and 800; a pause to 1200 would pass 1000

    const fatal = flaky(10);
    const refused = retrying(fatal.attempt, { pausesMs: [10], retryable: () => false }).catch(
      () => "refused",
    );
    await vi.runAllTimersAsync();
    expect(await refused).toBe("refused");
    expect(fatal.calledAt).toHaveLength(1);
  });
});
