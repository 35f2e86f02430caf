import { describe, expect, it } from "vitest";
import { faultRuleSchema } from "../../../src/sandbox/faults.js";
import { CHAOS_KINDS, faultsOf, schedule } from "../../../src/soak/chaos.js";

const seeded = (seed: number) => {
  let a = seed;
  return () => {
    a = (a * 1103515245 + 12345) % 2 ** 31;
    return a / 2 ** 31;
  };
};

describe("the soak's chaos", () => {
  it("spreads one event per 40 s inside the run, none in its first or last tenth, every kind in an hour", () => {
    const hour = schedule(3_600_000, seeded(1));
    expect(hour).toHaveLength(90);
    expect(Math.min(...hour.map((e) => e.atMs))).toBeGreaterThanOrEqual(360_000);
    expect(Math.max(...hour.map((e) => e.atMs))).toBeLessThanOrEqual(3_240_000);
    expect(new Set(hour.map((e) => e.kind))).toEqual(new Set(CHAOS_KINDS));
    expect(schedule(120_000, seeded(1))).toHaveLength(3);
  });

  it("is the same for the same seed and differs for another", () => {
    expect(schedule(600_000, seeded(7))).toEqual(schedule(600_000, seeded(7)));
    expect(schedule(600_000, seeded(7)).map((e) => e.kind)).not.toEqual(
      schedule(600_000, seeded(8)).map((e) => e.kind),
    );
  });

  it("gives every upstream phase valid sandbox fault rules, and none to the process kinds", () => {
    for (const kind of CHAOS_KINDS) {
      const rules = faultsOf(kind);
      if (["kill", "sigterm", "redis-restart", "redis-empty", "receiver-down"].includes(kind))
        expect(rules).toBeUndefined();
      else for (const rule of rules!) expect(faultRuleSchema.safeParse(rule).success, kind).toBe(true);
    }
  });
});
