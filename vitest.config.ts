import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

/**
 * Test files that need more than this process: the compiled programs as children (signals,
 * `kill -9`, the CLIs), Redis, Chromium, or many seconds of real time (fleets, outages, the
 * tracker's refresh intervals). `npm run test:quick` runs everything else: unit tests, the sandbox,
 * the SQLite store and the in-process gateway tests, with no build and no services.
 */
const OUT_OF_PROCESS = [
  "test/cli/**",
  "test/conformance/cli.test.ts",
  "test/conformance/tls.test.ts",
  "test/conformance/hostile-endpoints.test.ts",
  "test/console/browser-*.test.ts",
  "test/store/redis.test.ts",
  "test/store/spend-redis.test.ts",
  "test/e2e/email-money.test.ts",
  "test/e2e/fuzz.test.ts",
  "test/e2e/money-fleet*.test.ts",
  "test/e2e/money-store-outage-*.test.ts",
  "test/e2e/ops-*.test.ts",
  "test/e2e/polling-storm.test.ts",
  "test/e2e/probe.test.ts",
  "test/e2e/redis-data-loss.test.ts",
  "test/e2e/replicas.test.ts",
  "test/e2e/restart.test.ts",
  "test/e2e/tracker*.test.ts",
  "test/e2e/webhooks*.test.ts",
];

const ALL = ["test/**/*.test.ts", "src/**/*.test.ts"];

export default defineConfig({
  test: {
    // one seed for fast-check and the tests' PRNGs (TEST_SEED), printed on failure
    setupFiles: ["test/setup.ts"],
    // Generous: a loaded machine is slow, not wrong (the slowest test on the default takes ~5 s there).
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Most files spend their time waiting (real timers, child processes, sockets), not computing:
    // two workers per core keep both cores busy (vitest's default on a 2-core machine is one).
    maxWorkers: Math.max(2, availableParallelism() * 2),
    projects: [
      // In-process files share their worker's modules (no isolation): importing the gateway once
      // per worker instead of once per file halves the project's CPU. No module of src/ keeps
      // state at module level, and test/setup.ts resets the helpers' per-file state.
      { extends: true, test: { name: "quick", include: ALL, exclude: OUT_OF_PROCESS, isolate: false } },
      { extends: true, test: { name: "e2e", include: OUT_OF_PROCESS } },
    ],
  },
});
