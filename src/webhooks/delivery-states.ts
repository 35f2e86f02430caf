import { LRUCache } from "lru-cache";
import { parseJsonOrUndefined } from "../common/json.js";
import type { DeliveryResult } from "../store/id-store.js";

/**
 * The last webhook outcome of each activation, in memory, for the console's activations panel:
 * "delivered", "retrying (2 attempts)", "given up", "dropped". Keyed by owner and legacy id.
 */
export class DeliveryStates {
  private readonly states = new LRUCache<string, string>({ max: 10_000 });

  record(result: DeliveryResult, delivery: { owner: string; payload: string; attempts: number }): void {
    const payload = parseJsonOrUndefined(delivery.payload) as { activationId?: unknown } | undefined;
    const numericId = payload?.activationId;
    if (typeof numericId !== "number") return;
    this.states.set(`${delivery.owner}|${numericId}`, describe(result, delivery.attempts));
  }

  stateOf(owner: string, numericId: number): string | undefined {
    return this.states.get(`${owner}|${numericId}`);
  }
}

function describe(result: DeliveryResult, attempts: number): string {
  switch (result) {
    case "delivered":
      return attempts > 1 ? `delivered (attempt ${attempts})` : "delivered";
    case "retried":
      return `retrying (${attempts} ${attempts === 1 ? "attempt" : "attempts"})`;
    case "given_up":
      return `given up after ${attempts}`;
    case "dropped":
      return "dropped";
  }
}
