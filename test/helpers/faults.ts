/**
 * The sandbox's fault rules (`PUT /sandbox/faults`) as tests use them. "before": the request fails
 * and nothing happens upstream; "after": the handler commits, then its answer is lost or late.
 */
import type { FaultRuleInput } from "../../src/sandbox/faults.js";
import type { TestSandbox } from "./sandbox.js";

export const PURCHASE_ROUTE = "POST /api/v1/activations";

type Fault = Omit<FaultRuleInput, "route" | "phase">;

/** Every request on `route` ("*" = every native route) meets `fault` before its handler runs. */
export async function failRoute(sb: TestSandbox, route: string, fault: Fault): Promise<void> {
  await setFaultRules(sb, [{ route, phase: "before", ...fault }]);
}

/** Every request on `route` is held `latencyMs` (real time) before its handler runs. */
export function slowRoute(sb: TestSandbox, route: string, latencyMs: number): Promise<void> {
  return failRoute(sb, route, { latencyMs });
}

/**
 * Purchases are made and charged, then their answers are lost: a 500 (`error500`), a dropped
 * connection (`drop`) or an answer held `latencyMs` (with `latencyChance`), each a share of them.
 */
export async function dropPurchaseAnswers(
  sb: TestSandbox,
  lost: Pick<Fault, "error500" | "drop" | "latencyMs" | "latencyChance">,
): Promise<void> {
  await setFaultRules(sb, [{ route: PURCHASE_ROUTE, phase: "after", ...lost }]);
}

export async function setFaultRules(sb: TestSandbox, rules: FaultRuleInput[]): Promise<void> {
  const res = await sb.control.setFaults(rules);
  if (res.status !== 200) throw new Error(`PUT /sandbox/faults answered ${res.status}: ${res.text}`);
}
