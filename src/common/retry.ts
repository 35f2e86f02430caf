export interface RetrySchedule {
  /** the pauses after the first failures, in order */
  pausesMs: readonly number[];
  /** the pause after every later failure; none: give up when `pausesMs` runs out */
  thenEveryMs?: number;
  /** local clock (ms) no pause may run past: give up instead */
  giveUpAt?: number;
  /** which failures are worth another try (default: all) */
  retryable?: (err: unknown) => boolean;
}

/**
 * Calls `attempt` (with its 0-based number) until it succeeds, pausing between tries as `schedule`
 * says; once it gives up, the last failure is thrown.
 */
export async function retrying<T>(attempt: (n: number) => Promise<T>, schedule: RetrySchedule): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      const pauseMs = schedule.pausesMs[n] ?? schedule.thenEveryMs;
      const giveUp =
        pauseMs === undefined ||
        (schedule.retryable !== undefined && !schedule.retryable(err)) ||
        (schedule.giveUpAt !== undefined && Date.now() + pauseMs > schedule.giveUpAt);
      if (giveUp) throw err;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
}
