/**
 * Runs before every test file (vitest.config.ts `setupFiles`): one seed for every source of
 * randomness, printed when a test fails so the run can be repeated with TEST_SEED=<seed>.
 * The quick project shares modules between the files of a worker, so each file also starts from
 * the same state: sandbox streams numbered from 0, real timers once it is done.
 */
import fc from "fast-check";
import { afterAll, beforeEach, vi } from "vitest";
import { resetSandboxSalts, TEST_SEED } from "./helpers/random.js";

fc.configureGlobal({ seed: TEST_SEED });
resetSandboxSalts();
afterAll(() => {
  vi.useRealTimers();
});

beforeEach((context) => {
  context.onTestFailed(() => {
    console.error(`[${context.task.name}] failed with TEST_SEED=${TEST_SEED}`);
  });
});
