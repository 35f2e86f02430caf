/**
 * Runs before every test file (vitest.config.ts `setupFiles`): one seed for every source of
 * randomness, printed when a test fails so the run can be repeated with TEST_SEED=<seed>.
 */
import fc from "fast-check";
import { beforeEach } from "vitest";
import { TEST_SEED } from "./helpers/random.js";

fc.configureGlobal({ seed: TEST_SEED });

beforeEach((context) => {
  context.onTestFailed(() => {
    console.error(`[${context.task.name}] failed with TEST_SEED=${TEST_SEED}`);
  });
});
