import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    // one seed for fast-check and the tests' PRNGs (TEST_SEED), printed on failure
    setupFiles: ["test/setup.ts"],
    // Generous: a loaded machine is slow, not wrong (the slowest test on the default takes ~5 s there).
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
