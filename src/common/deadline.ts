/**
 * `work`, or a rejection with `onTimeout()` once `ms` have passed (the work itself goes on: callers
 * that must stop it pass their own abort). The timer never outlives the race.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for `work` to settle, but at most `ms`; never rejects (the work itself goes on). */
export async function waitAtMost(work: Promise<unknown>, ms: number): Promise<void> {
  await withDeadline(work.then(noop, noop), ms, () => ELAPSED).catch(noop);
}

const noop = () => undefined;
/** waitAtMost's deadline, caught at once: one shared instance, no stack captured per wait. */
const ELAPSED = new Error("elapsed");
