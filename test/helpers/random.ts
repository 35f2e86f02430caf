import { mulberry32 } from "../../src/common/mulberry32.js";

/**
 * Seeded randomness for tests. One seed for the whole run: `TEST_SEED` from the environment, else a
 * fixed default, so a run is reproducible; test/setup.ts hands the same seed to fast-check and
 * prints it when a test fails.
 */

export const TEST_SEED = (() => {
  const given = process.env.TEST_SEED;
  if (given === undefined || given === "") return 20_260_101;
  const seed = Number(given);
  if (!Number.isSafeInteger(seed))
    throw new Error(`TEST_SEED must be an integer, got ${JSON.stringify(given)}`);
  return seed;
})();

export { mulberry32 };

/** A PRNG seeded from the run's seed; `salt` gives independent streams to separate users. */
export function seededRandom(salt = 0): () => number {
  return mulberry32((TEST_SEED ^ Math.imul(salt + 1, 0x9e3779b1)) >>> 0);
}

/** Sandboxes started by this test file so far: each gets its own seeded stream. */
let sandboxesStarted = 0;

/** The salt of the next sandbox's stream: 0, 1, 2 … in the order a test file starts them. */
export function nextSandboxSalt(): number {
  return sandboxesStarted++;
}

/**
 * Called before each test file (test/setup.ts): files that share a worker's modules (the quick
 * project runs without isolation) still number their sandboxes from 0, so a file's streams do not
 * depend on which files ran before it.
 */
export function resetSandboxSalts(): void {
  sandboxesStarted = 0;
}
