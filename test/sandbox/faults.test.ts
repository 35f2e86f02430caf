import { describe, expect, it } from "vitest";
import {
  decideFault,
  type FaultRule,
  faultRuleSchema,
  faultsBodySchema,
  ruleMatches,
} from "../../src/sandbox/faults.js";

const rule = (over: Partial<FaultRule>): FaultRule =>
  faultRuleSchema.parse({ route: "POST /api/v1/activations", ...over });
const always = (v: number) => () => v;

describe("fault rules", () => {
  it("fills defaults: phase before, no latency, zero probabilities", () => {
    expect(faultRuleSchema.parse({ route: "GET /api/v1/activations/:id" })).toEqual({
      route: "GET /api/v1/activations/:id",
      phase: "before",
      latencyMs: 0,
      latencyChance: 1,
      error500: 0,
      bare503: 0,
      error429: 0,
      drop: 0,
    });
  });

  it("applies latency only with its chance", () => {
    const rules = [faultRuleSchema.parse({ route: "*", latencyMs: 500, latencyChance: 0.25 })];
    const draws = [0.1, 0.9];
    const decisions = draws.map((d) => decideFault(rules, "GET /x", "before", () => d).latencyMs);
    expect(decisions).toEqual([500, 0]);
  });

  it.each([
    [{ route: "POST /api/v1/activations", error500: 1.5 }],
    [{ route: "POST /api/v1/activations", phase: "during" }],
    [{ route: "/api/v1/activations" }],
    [{ route: "POST /api/v1/activations", latencyMs: -1 }],
    [{ route: "POST /api/v1/activations", surprise: 1 }],
  ])("rejects %j", (input) => {
    expect(faultRuleSchema.safeParse(input).success).toBe(false);
  });

  it("parses the documented body", () => {
    const body = {
      rules: [
        {
          route: "POST /api/v1/activations",
          phase: "after",
          latencyMs: 0,
          error500: 0.2,
          bare503: 0,
          error429: 0,
          drop: 0.1,
        },
      ],
    };
    expect(faultsBodySchema.parse(body).rules[0]).toMatchObject({ phase: "after", error500: 0.2, drop: 0.1 });
    expect(faultsBodySchema.parse({ rules: [] }).rules).toEqual([]);
  });

  it("matches method and full route pattern exactly", () => {
    const r = rule({ route: "GET /api/v1/activations/:id" });
    expect(ruleMatches(r, "GET /api/v1/activations/:id")).toBe(true);
    expect(ruleMatches(r, "DELETE /api/v1/activations/:id")).toBe(false);
    expect(ruleMatches(r, "GET /api/v1/activations")).toBe(false);
    expect(ruleMatches(r, "GET /api/v1/activations/:id/complete")).toBe(false);
  });

  it("supports wildcards for the method or the whole route", () => {
    expect(ruleMatches(rule({ route: "* /api/v1/activations/:id" }), "DELETE /api/v1/activations/:id")).toBe(
      true,
    );
    expect(ruleMatches(rule({ route: "*" }), "GET /api/v1/wallet/balance")).toBe(true);
  });

  it("only applies rules of the asked phase", () => {
    const rules = [rule({ phase: "after", error500: 1 })];
    expect(decideFault(rules, "POST /api/v1/activations", "before", always(0)).outcome).toBeNull();
    expect(decideFault(rules, "POST /api/v1/activations", "after", always(0)).outcome).toBe("error500");
  });

  it("draws the outcome from cumulative ranges in the order error500, bare503, error429, drop", () => {
    const rules = [rule({ error500: 0.1, bare503: 0.2, error429: 0.3, drop: 0.4 })];
    const at = (roll: number) =>
      decideFault(rules, "POST /api/v1/activations", "before", always(roll)).outcome;
    expect(at(0.05)).toBe("error500");
    expect(at(0.15)).toBe("bare503");
    expect(at(0.45)).toBe("error429");
    expect(at(0.95)).toBe("drop");
  });

  it("leaves requests alone when the roll misses every range", () => {
    const rules = [rule({ error500: 0.2, drop: 0.1 })];
    expect(decideFault(rules, "POST /api/v1/activations", "before", always(0.5))).toEqual({
      latencyMs: 0,
      outcome: null,
    });
  });

  it("adds latencies of every matching rule, even after one produced an outcome", () => {
    const rules = [
      rule({ latencyMs: 100, error429: 1 }),
      rule({ latencyMs: 50 }),
      rule({ route: "GET /x", latencyMs: 999 }),
    ];
    expect(decideFault(rules, "POST /api/v1/activations", "before", always(0))).toEqual({
      latencyMs: 150,
      outcome: "error429",
    });
  });

  it("a probability of 1 always fires and 0 never does", () => {
    for (const roll of [0, 0.3, 0.999999]) {
      expect(
        decideFault([rule({ drop: 1 })], "POST /api/v1/activations", "before", always(roll)).outcome,
      ).toBe("drop");
      expect(
        decideFault([rule({ drop: 0 })], "POST /api/v1/activations", "before", always(roll)).outcome,
      ).toBeNull();
    }
  });
});
