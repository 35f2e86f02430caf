import { z } from "zod";

const probability = z.number().min(0).max(1).default(0);

export const faultRuleSchema = z.strictObject({
  /** `"<METHOD> <full route pattern>"`, e.g. `"POST /api/v1/activations"`; `"*"` as method or whole route matches any. */
  route: z
    .string()
    .regex(/^(\*|(?:[A-Z]+|\*) \/\S*)$/, 'route must look like "POST /api/v1/activations" or "*"'),
  phase: z.enum(["before", "after"]).default("before"),
  latencyMs: z.number().int().min(0).max(120_000).default(0),
  /** the chance that `latencyMs` applies to a request (latency spikes); 1 = always */
  latencyChance: z.number().min(0).max(1).default(1),
  error500: probability,
  bare503: probability,
  error429: probability,
  drop: probability,
});
export type FaultRule = z.infer<typeof faultRuleSchema>;
export type FaultRuleInput = z.input<typeof faultRuleSchema>;

export const faultsBodySchema = z.strictObject({ rules: z.array(faultRuleSchema) });

export type FaultOutcome = "error500" | "bare503" | "error429" | "drop";
export type FaultPhase = FaultRule["phase"];

export interface FaultDecision {
  latencyMs: number;
  outcome: FaultOutcome | null;
}

export function ruleMatches(rule: FaultRule, routeKey: string): boolean {
  if (rule.route === "*") return true;
  const [method, pattern] = rule.route.split(" ", 2);
  const [reqMethod, reqPattern] = routeKey.split(" ", 2);
  return (method === "*" || method === reqMethod) && pattern === reqPattern;
}

/**
 * What to do to one request in one phase. Latencies of matching rules add up; the outcome is drawn
 * once per rule over the cumulative ranges error500, bare503, error429, drop (so they are exclusive and
 * their sum, capped at 1, is the chance of any outcome). The first rule that draws an outcome wins.
 */
export function decideFault(
  rules: readonly FaultRule[],
  routeKey: string,
  phase: FaultPhase,
  random: () => number,
): FaultDecision {
  let latencyMs = 0;
  let outcome: FaultOutcome | null = null;
  for (const rule of rules) {
    if (rule.phase !== phase || !ruleMatches(rule, routeKey)) continue;
    if (rule.latencyMs > 0 && (rule.latencyChance >= 1 || random() < rule.latencyChance))
      latencyMs += rule.latencyMs;
    if (outcome) continue;
    const roll = random();
    let threshold = 0;
    for (const kind of ["error500", "bare503", "error429", "drop"] as const) {
      threshold += rule[kind];
      if (rule[kind] > 0 && roll < threshold) {
        outcome = kind;
        break;
      }
    }
  }
  return { latencyMs, outcome };
}

export class FaultRegistry {
  private rules: FaultRule[] = [];

  constructor(initial: readonly FaultRule[] = []) {
    this.set(initial);
  }

  /** Normalizes (fills defaults), so rules built in code behave like parsed ones. */
  set(rules: readonly FaultRuleInput[]): void {
    this.rules = rules.map((r) => faultRuleSchema.parse(r));
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  decide(routeKey: string, phase: FaultPhase, random: () => number): FaultDecision {
    return decideFault(this.rules, routeKey, phase, random);
  }
}
