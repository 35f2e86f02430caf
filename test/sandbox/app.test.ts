import { describe, expect, it } from "vitest";
import { createSandboxApp } from "../../src/sandbox/app.js";
import { FakeClock } from "../../src/sandbox/clock.js";
import { DEMO_API_KEY, sandboxConfig } from "../../src/sandbox/config.js";
import { faultRuleSchema } from "../../src/sandbox/faults.js";

const headers = { "x-api-key": DEMO_API_KEY, "content-type": "application/json" };
const purchase = { method: "POST", headers, body: JSON.stringify({ serviceCode: "tg", countryIso: "ID" }) };

describe("createSandboxApp in process (no server)", () => {
  it("serves app.request() with the Date header from its clock", async () => {
    const clock = new FakeClock("2030-01-02T03:04:05Z");
    const { app, close } = createSandboxApp(sandboxConfig(), { clock });
    const res = await app.request("/api/v1/activations", purchase);
    expect(res.status).toBe(201);
    expect(res.headers.get("date")).toBe("Wed, 02 Jan 2030 03:04:05 GMT");
    expect(((await res.json()) as { createdAt: string }).createdAt).toBe("2030-01-02T03:04:05Z");
    close();
  });

  it("close() clears every pending SMS and expiry timer", async () => {
    const clock = new FakeClock();
    const { app, close } = createSandboxApp(sandboxConfig(), { clock });
    await app.request("/api/v1/activations", purchase);
    await app.request("/api/v1/activations", purchase);
    expect(clock.pendingCount).toBe(4);
    close();
    expect(clock.pendingCount).toBe(0);
  });

  it("separate apps have separate state (stock, balances)", async () => {
    const one = createSandboxApp(sandboxConfig({ autoSms: false }), { clock: new FakeClock() });
    const two = createSandboxApp(sandboxConfig({ autoSms: false }), { clock: new FakeClock() });
    await one.app.request("/api/v1/activations", purchase);
    const balance = async (a: typeof one) =>
      ((await (await a.app.request("/api/v1/wallet/balance", { headers })).json()) as { balance: string })
        .balance;
    expect(await balance(one)).not.toBe("100.00");
    expect(await balance(two)).toBe("100.00");
    one.close();
    two.close();
  });

  it("a dropped connection without a socket degrades to a bodiless 500", async () => {
    const { app, close } = createSandboxApp(
      sandboxConfig({ faults: [faultRuleSchema.parse({ route: "GET /api/v1/countries", drop: 1 })] }),
      { clock: new FakeClock() },
    );
    const res = await app.request("/api/v1/countries");
    expect(res.status).toBe(500);
    expect(await res.text()).toBe("");
    close();
  });

  it("turns an unexpected exception into a NestJS 500 body", async () => {
    const { app, close, state } = createSandboxApp(sandboxConfig(), { clock: new FakeClock() });
    state.catalog.findService = () => {
      throw new Error("boom");
    };
    const res = await app.request("/api/v1/services/tg");
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ statusCode: 500, message: "Internal server error" });
    close();
  });
});
