import { describe, expect, it } from "vitest";
import { buy, usePair } from "../helpers/gateway.js";
import { startHarness } from "../helpers/harness.js";

/** One key never sees, reads or changes another key's activations (gateway in process). */
const keyA = "key-a-000000000000000000000000000";
const keyB = "key-b-000000000000000000000000000";
const pair = usePair(() =>
  startHarness({
    sandbox: {
      config: {
        autoSms: false,
        cancelCooldownS: 0,
        accounts: [
          { apiKey: keyA, balance: "50.00" },
          { apiKey: keyB, balance: "50.00" },
        ],
      },
    },
    // The shield is on: a cached state must not leak across keys either.
    gateway: { env: { STATUS_CACHE_MS: "60000" } },
  }),
);

describe("cross-key access", () => {
  it.each<Record<string, string>>([
    { action: "getStatus" },
    { action: "getStatusV2" },
    { action: "getFullSms" },
    { action: "setStatus", status: "1" },
    { action: "setStatus", status: "3" },
    { action: "setStatus", status: "6" },
    { action: "setStatus", status: "8" },
    { action: "setStatus", status: "-1" },
  ])("key B gets NO_ACTIVATION for key A's id: %o", async (params) => {
    const { id } = await buy(pair.gw, keyA, "tg", "62");
    expect(await pair.gw.call({ api_key: keyA, action: "getStatus", id })).toBe("STATUS_WAIT_CODE"); // now cached for A
    expect(await pair.gw.call({ api_key: keyB, id, ...params })).toBe("NO_ACTIVATION");
    expect(await pair.gw.call({ api_key: keyA, action: "getStatus", id })).toBe("STATUS_WAIT_CODE");
  });

  it("key B's lists never contain key A's activations", async () => {
    const { id } = await buy(pair.gw, keyA, "wa", "62");
    const activeB = await pair.gw.call({ api_key: keyB, action: "getActiveActivations" });
    if (activeB !== "NO_ACTIVATIONS") {
      const ids = JSON.parse(activeB).activeActivations.map((a: { activationId: string }) => a.activationId);
      expect(ids).not.toContain(id);
    }
    const historyB = JSON.parse(await pair.gw.call({ api_key: keyB, action: "getHistory" }));
    expect(historyB.map((h: { id: number }) => String(h.id))).not.toContain(id);
    const activeA = JSON.parse(await pair.gw.call({ api_key: keyA, action: "getActiveActivations" }));
    expect(activeA.activeActivations.map((a: { activationId: string }) => a.activationId)).toContain(id);
  });

  it("an orderId of key A does not block key B", async () => {
    const a = await pair.gw.call({
      api_key: keyA,
      action: "getNumberV2",
      service: "tg",
      country: "62",
      orderId: "shared",
    });
    const b = await pair.gw.call({
      api_key: keyB,
      action: "getNumberV2",
      service: "tg",
      country: "62",
      orderId: "shared",
    });
    expect(JSON.parse(a).activationId).not.toBe(JSON.parse(b).activationId);
  });

  it("stores owners as hashes, never keys", async () => {
    const { readFileSync, readdirSync } = await import("node:fs");
    const files = readdirSync(pair.gw.dataDir).map((f) => readFileSync(`${pair.gw.dataDir}/${f}`));
    expect(files.length).toBeGreaterThan(0);
    for (const content of files) {
      expect(content.includes(keyA)).toBe(false);
      expect(content.includes(keyB)).toBe(false);
    }
  });
});
