import { describe, expect, it } from "vitest";
import { DeliveryStates } from "../../../src/webhooks/delivery-states.js";

const payload = (activationId: unknown) => JSON.stringify({ activationId, service: "tg", code: "12345" });

describe("DeliveryStates (the console's webhook column)", () => {
  it("keeps the last outcome per owner and legacy id", () => {
    const states = new DeliveryStates();
    states.record("retried", { owner: "o1", payload: payload(7), attempts: 1 });
    expect(states.stateOf("o1", 7)).toBe("retrying (1 attempt)");
    states.record("retried", { owner: "o1", payload: payload(7), attempts: 2 });
    expect(states.stateOf("o1", 7)).toBe("retrying (2 attempts)");
    states.record("delivered", { owner: "o1", payload: payload(7), attempts: 3 });
    expect(states.stateOf("o1", 7)).toBe("delivered (attempt 3)");
    states.record("given_up", { owner: "o1", payload: payload(8), attempts: 6 });
    expect(states.stateOf("o1", 8)).toBe("given up after 6");
    expect(states.stateOf("o2", 7)).toBeUndefined(); // another owner's id 7 is another activation
  });

  it("ignores a payload it cannot read", () => {
    const states = new DeliveryStates();
    states.record("delivered", { owner: "o1", payload: "{not json", attempts: 1 });
    states.record("delivered", { owner: "o1", payload: payload("7"), attempts: 1 });
    expect(states.stateOf("o1", 7)).toBeUndefined();
  });
});
