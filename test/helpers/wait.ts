/**
 * Waiting in tests: never a fixed sleep, always a condition with a generous bound.
 *
 *   await waitFor("the SMS to arrive", async () => (await status()) === "RECEIVED");
 *   const line = await waitFor("the log line", () => lines().find((l) => l.includes("x")));
 */

/** What a probe may answer while the condition does not hold yet. */
type NotYet = undefined | null | false;

export interface WaitOptions {
  /** Give up after this long (real time). Generous: a loaded machine is slow, never wrong. */
  timeoutMs?: number;
  /** Pause between probes. */
  everyMs?: number;
}

/**
 * Calls `probe` until it answers something other than undefined, null or false, and returns that
 * answer. A probe that throws counts as "not yet" (the last error is named if it never holds),
 * except a failed expectation inside it, which fails at once.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | NotYet | Promise<T | NotYet>,
  { timeoutMs = 20_000, everyMs = 20 }: WaitOptions = {},
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (err) {
      if (err instanceof Error && err.name === "AssertionError") throw err;
      last = err;
    }
    if (performance.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(
    `gave up after ${timeoutMs} ms waiting for ${what}${last === undefined ? "" : ` (last error: ${String(last)})`}`,
  );
}

/** A bot's own pacing between its calls (what a simulated client does, not a wait for a condition). */
export const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));
