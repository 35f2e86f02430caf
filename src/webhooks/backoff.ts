/**
 * The wait before the next attempt of a delivery that failed `attempts` times: the schedule's entry
 * (WEBHOOK_RETRY_S, default 10 s, 1 min, 5 min, 30 min, 2 h) ±10 %, so that deliveries that failed
 * together do not all come back in the same second. Undefined once the schedule is used up: the
 * delivery is given up.
 */
export function retryDelayMs(
  scheduleS: readonly number[],
  attempts: number,
  random: () => number,
): number | undefined {
  const seconds = scheduleS[attempts - 1];
  if (seconds === undefined || attempts < 1) return undefined;
  return Math.round(seconds * 1000 * (0.9 + 0.2 * random()));
}
