/**
 * Figures a test measured (calls made, how long a takeover took…), printed when TEST_REPORT=1:
 * `TEST_REPORT=1 npx vitest run test/e2e/tracker.test.ts`. Silent otherwise; never asserted on.
 */
export function report(what: string, figures: Record<string, unknown>): void {
  if (process.env.TEST_REPORT !== "1") return;
  process.stdout.write(`[report] ${what}: ${JSON.stringify(figures)}\n`);
}
