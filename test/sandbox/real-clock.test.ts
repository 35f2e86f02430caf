import { afterEach, describe, expect, it } from "vitest";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

// The few checks that need the real timer; kept short.
describe("sandbox on the real clock", () => {
  let sb: TestSandbox;
  afterEach(() => sb.close());

  it("delivers the automatic SMS after a short real delay", async () => {
    sb = await startTestSandbox({ clock: "real", config: { smsDelayMs: 100 } });
    expect(sb.clock).toBeUndefined();
    const a = (
      await sb.api("/activations", { method: "POST", json: { serviceCode: "go", countryIso: "US" } })
    ).body;
    expect(a.status).toBe("WAITING");
    let status = a.status;
    for (let i = 0; i < 50 && status === "WAITING"; i++) {
      await new Promise((r) => setTimeout(r, 20));
      status = (await sb.api(`/activations/${a.id}`)).body.status;
    }
    expect(status).toBe("RECEIVED");
  });

  it("cancel: 409 at once, CANCELLED after the 1 s cool-down with the balance back to the cent", async () => {
    sb = await startTestSandbox({ clock: "real", config: { autoSms: false, cancelCooldownS: 1 } });
    const before = (await sb.api("/wallet/balance")).body.balance;
    const a = (
      await sb.api("/activations", { method: "POST", json: { serviceCode: "tg", countryIso: "TR" } })
    ).body;
    expect((await sb.api(`/activations/${a.id}`, { method: "DELETE" })).status).toBe(409);
    const wait = Date.parse(a.cancellableAt) - Date.now();
    await new Promise((r) => setTimeout(r, Math.max(0, wait) + 20));
    const cancelled = await sb.api(`/activations/${a.id}`, { method: "DELETE" });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("CANCELLED");
    expect((await sb.api("/wallet/balance")).body.balance).toBe(before);
  });

  it("close() ends keep-alive connections so the port is released", async () => {
    sb = await startTestSandbox({ clock: "real" });
    await sb.api("/wallet/balance"); // leaves a keep-alive connection in fetch's pool
    const started = performance.now();
    await sb.close();
    expect(performance.now() - started).toBeLessThan(1000);
    await expect(fetch(`${sb.baseUrl}/countries`)).rejects.toThrow();
  });
});
