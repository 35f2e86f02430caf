import { afterEach, describe, expect, it } from "vitest";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";
import { waitFor } from "../helpers/wait.js";

// The few checks that need the real timer; kept short.
describe("sandbox on the real clock", () => {
  let sb: TestSandbox;
  afterEach(() => sb.close());

  const buy = async (serviceCode: string, countryIso: string) =>
    (await sb.api("/activations", { method: "POST", json: { serviceCode, countryIso } })).body;

  it("delivers the automatic SMS after a short real delay", async () => {
    sb = await startTestSandbox({ clock: "real", config: { smsDelayMs: 100 } });
    expect(sb.clock).toBeUndefined();
    const a = await buy("go", "US");
    expect(a.status).toBe("WAITING");
    await waitFor(
      "the automatic SMS",
      async () => (await sb.api(`/activations/${a.id}`)).body.status === "RECEIVED",
    );
  });

  it("cancel: 409 at once, CANCELLED after the cool-down with the balance back to the cent", async () => {
    // Activations start on a whole second, so a 2 s cool-down ends 1–2 s after the purchase: the
    // first cancel, a few milliseconds later, always meets it.
    sb = await startTestSandbox({ clock: "real", config: { autoSms: false, cancelCooldownS: 2 } });
    const before = (await sb.api("/wallet/balance")).body.balance;
    const a = await buy("tg", "TR");
    const cancel = () => sb.api(`/activations/${a.id}`, { method: "DELETE" });
    expect((await cancel()).status).toBe(409);
    // the cool-down ends on the real clock: try until the sandbox stops refusing
    const cancelled = await waitFor("the cool-down to end", async () => {
      const res = await cancel();
      return res.status === 409 ? undefined : res;
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("CANCELLED");
    expect((await sb.api("/wallet/balance")).body.balance).toBe(before);
  });

  it("close() ends keep-alive connections so the port is released", async () => {
    sb = await startTestSandbox({ clock: "real" });
    await sb.api("/wallet/balance"); // leaves a keep-alive connection in fetch's pool
    // Without ending it, close() would wait until the idle connection times out (4–5 s). Closing
    // takes a few milliseconds on a quiet machine; the bound is far above that and below the timeout.
    const started = performance.now();
    await sb.close();
    expect(performance.now() - started).toBeLessThan(3000);
    await expect(fetch(`${sb.baseUrl}/countries`)).rejects.toThrow();
  });
});
