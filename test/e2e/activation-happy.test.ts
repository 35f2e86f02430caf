import { describe, expect, it } from "vitest";
import { ownerOf } from "../../src/common/owner.js";
import { buy as buyWith, usePair } from "../helpers/gateway.js";
import { startHarness } from "../helpers/harness.js";
import { DEMO_API_KEY } from "../helpers/sandbox.js";

/**
 * The legacy activation loop end to end: gateway (in process, `app.request()`) → sandbox over
 * loopback HTTP, fake sandbox clock.
 */
const key = DEMO_API_KEY;
const pair = usePair(() =>
  startHarness({
    sandbox: { config: { autoSms: false, cancelCooldownS: 120 } },
    gateway: { env: { STATUS_CACHE_MS: "0", TRACK_INTERVAL_MS: "0" } }, // read-through: a change shows on the next poll
  }),
);

const call = (params: Record<string, string>) => pair.gw.call({ api_key: key, ...params });
const buy = (service = "tg", country = "62") => buyWith(pair.gw, key, service, country);

/** Delivers an SMS to the upstream activation behind a legacy id. */
async function deliver(id: string, text?: string) {
  const record = await pair.gw.deps.ids.resolve(Number(id), ownerOf(key));
  if (!record) throw new Error(`id ${id} is not mapped`);
  const res = await pair.sb.control.deliverSms({ activationId: record.upstreamId }, text);
  expect(res.status).toBe(200);
}

describe("balance", () => {
  it("answers ACCESS_BALANCE with two decimals, for both actions", async () => {
    expect(await call({ action: "getBalance" })).toMatch(/^ACCESS_BALANCE:\d+\.\d{2}$/);
    expect(await call({ action: "getBalanceAndCashBack" })).toBe(await call({ action: "getBalance" }));
  });

  it("goes down by exactly the price of a purchase", async () => {
    const before = (await call({ action: "getBalance" })).split(":")[1]!;
    const { id } = await buy("wa", "62");
    const native = await pair.sb.control.activations(key);
    const cost = (await pair.sb.api(`/activations/${native[0]!.id}`)).body.userCost as string;
    const after = (await call({ action: "getBalance" })).split(":")[1]!;
    expect(Math.round(Number(before) * 100) - Math.round(Number(cost) * 100)).toBe(
      Math.round(Number(after) * 100),
    );
    expect(await call({ action: "setStatus", id, status: "8" })).toBe("EARLY_CANCEL_DENIED");
  });
});

describe("getNumber → getStatus → setStatus", () => {
  it("buys, waits for the code, confirms", async () => {
    const { id, phone } = await buy();
    expect(Number(id)).toBeGreaterThan(0);
    expect(phone.startsWith("90")).toBe(true); // Turkey's calling code
    expect(await call({ action: "getStatus", id })).toBe("STATUS_WAIT_CODE");
    await deliver(id);
    const ok = await call({ action: "getStatus", id });
    expect(ok).toMatch(/^STATUS_OK:\d{4,6}$/);
    expect(await call({ action: "setStatus", id, status: "6" })).toBe("ACCESS_ACTIVATION");
    expect(await call({ action: "getStatus", id })).toBe(ok);
    // Completing again is idempotent; cancelling a completed one is refused.
    expect(await call({ action: "setStatus", id, status: "6" })).toBe("ACCESS_ACTIVATION");
    expect(await call({ action: "setStatus", id, status: "8" })).toBe("BAD_STATUS");
    expect(await call({ action: "setStatus", id, status: "1" })).toBe("BAD_STATUS");
    expect(await call({ action: "setStatus", id, status: "3" })).toBe("BAD_STATUS");
  });

  it("uses the default country (0 = Russia) when none is given", async () => {
    const { phone } = await buy("tg", "");
    expect(phone.startsWith("7")).toBe(true);
  });

  it("accepts an ISO code for country and maps 12 and 187 to the US", async () => {
    expect((await buy("tg", "tr")).phone.startsWith("90")).toBe(true);
    expect((await buy("tg", "12")).phone.startsWith("1")).toBe(true);
    expect((await buy("tg", "187")).phone.startsWith("1")).toBe(true);
  });
});

describe("getStatusV2 and getFullSms", () => {
  it("follow the activation from waiting to received", async () => {
    const { id } = await buy("wa", "6");
    expect(JSON.parse(await call({ action: "getStatusV2", id }))).toEqual({
      verificationType: 0,
      sms: null,
      call: null,
    });
    expect(await call({ action: "getFullSms", id })).toBe("STATUS_WAIT_CODE");
    await deliver(id, "Your WhatsApp code: 123456. Don't share it");
    const v2 = JSON.parse(await call({ action: "getStatusV2", id }));
    expect(v2.verificationType).toBe(0);
    expect(v2.call).toBeNull();
    expect(v2.sms.text).toBe("Your WhatsApp code: 123456. Don't share it");
    expect(v2.sms.code).toMatch(/^\d+$/);
    expect(v2.sms.dateTime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(await call({ action: "getFullSms", id })).toBe(
      "FULL_SMS:Your WhatsApp code: 123456. Don't share it",
    );
  });
});

describe("setStatus on a waiting activation", () => {
  it("1 and 3 answer without an upstream call", async () => {
    const { id } = await buy();
    await pair.sb.control.resetStats();
    expect(await call({ action: "setStatus", id, status: "1" })).toBe("ACCESS_READY");
    expect(await call({ action: "setStatus", id, status: "3" })).toBe("ACCESS_RETRY_GET");
    const stats = await pair.sb.control.stats();
    const writes = Object.entries(stats.requests).filter(([route]) => !route.startsWith("GET"));
    expect(writes.filter(([route]) => route.includes("/api/v1/"))).toEqual([]);
  });

  it("8 is EARLY_CANCEL_DENIED before the cool-down, ACCESS_CANCEL after, then STATUS_CANCEL", async () => {
    const { id } = await buy();
    expect(await call({ action: "setStatus", id, status: "8" })).toBe("EARLY_CANCEL_DENIED");
    pair.sb.advance(120_000);
    expect(await call({ action: "setStatus", id, status: "8" })).toBe("ACCESS_CANCEL");
    expect(await call({ action: "getStatus", id })).toBe("STATUS_CANCEL");
    expect(await call({ action: "getStatusV2", id })).toBe("STATUS_CANCEL");
    expect(await call({ action: "getFullSms", id })).toBe("STATUS_CANCEL");
    expect(await call({ action: "setStatus", id, status: "8" })).toBe("ACCESS_CANCEL");
    expect(await call({ action: "setStatus", id, status: "1" })).toBe("STATUS_CANCEL");
    expect(await call({ action: "setStatus", id, status: "3" })).toBe("STATUS_CANCEL");
    expect(await call({ action: "setStatus", id, status: "6" })).toBe("STATUS_CANCEL");
  });

  it("-1 cancels like 8, and 6 on a waiting activation cancels it", async () => {
    const a = await buy();
    const b = await buy();
    pair.sb.advance(120_000);
    expect(await call({ action: "setStatus", id: a.id, status: "-1" })).toBe("ACCESS_CANCEL");
    expect(await call({ action: "setStatus", id: b.id, status: "6" })).toBe("ACCESS_ACTIVATION");
    expect(await call({ action: "getStatus", id: b.id })).toBe("STATUS_CANCEL");
  });

  it("an expired activation reads as cancelled", async () => {
    const { id } = await buy("go", "16");
    pair.sb.advance(20 * 60_000 + 1000);
    expect(await call({ action: "getStatus", id })).toBe("STATUS_CANCEL");
  });

  it("unknown statuses are BAD_STATUS", async () => {
    const { id } = await buy();
    for (const status of ["2", "7", "x", ""])
      expect(await call({ action: "setStatus", id, status })).toBe("BAD_STATUS");
  });
});

describe("setStatus on a received activation", () => {
  it("3 asks for another SMS: STATUS_WAIT_RETRY with the last code, then the new code", async () => {
    const { id } = await buy();
    await deliver(id);
    const first = (await call({ action: "getStatus", id })).split(":")[1]!;
    expect(await call({ action: "setStatus", id, status: "8" })).toBe("BAD_STATUS");
    expect(await call({ action: "setStatus", id, status: "1" })).toBe("ACCESS_READY");
    expect(await call({ action: "setStatus", id, status: "3" })).toBe("ACCESS_RETRY_GET");
    expect(await call({ action: "getStatus", id })).toBe(`STATUS_WAIT_RETRY:${first}`);
    expect(JSON.parse(await call({ action: "getStatusV2", id })).sms).toBeNull();
    // waiting for retry: 3 answers at once, 8 is refused, 6 completes with the code that came
    expect(await call({ action: "setStatus", id, status: "3" })).toBe("ACCESS_RETRY_GET");
    expect(await call({ action: "setStatus", id, status: "8" })).toBe("BAD_STATUS");
    await deliver(id);
    expect(await call({ action: "getStatus", id })).toMatch(/^STATUS_OK:\d+$/);
    expect(await call({ action: "setStatus", id, status: "6" })).toBe("ACCESS_ACTIVATION");
  });

  it("3 after the resend limit is BAD_STATUS", async () => {
    const { id } = await buy();
    await deliver(id);
    for (let i = 0; i < 3; i++) {
      expect(await call({ action: "setStatus", id, status: "3" })).toBe("ACCESS_RETRY_GET");
      await deliver(id);
      expect(await call({ action: "getStatus", id })).toMatch(/^STATUS_OK:/);
    }
    expect(await call({ action: "setStatus", id, status: "3" })).toBe("BAD_STATUS");
  });

  it("6 on a waiting-for-retry activation completes it with the last code", async () => {
    const { id } = await buy();
    await deliver(id);
    await call({ action: "setStatus", id, status: "3" });
    expect(await call({ action: "setStatus", id, status: "6" })).toBe("ACCESS_ACTIVATION");
    expect(await call({ action: "getStatus", id })).toMatch(/^STATUS_OK:\d+$/);
  });
});

describe("getNumberV2", () => {
  it("returns every field with the types strict clients need", async () => {
    const v2 = JSON.parse(await call({ action: "getNumberV2", service: "tg", country: "62" }));
    expect(Object.keys(v2).sort()).toEqual(
      [
        "activationCost",
        "activationEndTime",
        "activationId",
        "activationOperator",
        "activationTime",
        "canGetAnotherSms",
        "countryCode",
        "currency",
        "phoneNumber",
      ].sort(),
    );
    expect(v2.activationId).toMatch(/^\d+$/);
    expect(v2.phoneNumber).toMatch(/^90\d+$/);
    expect(v2.activationCost).toMatch(/^\d+\.\d{2}$/);
    expect(v2.currency).toBe(840);
    expect(v2.countryCode).toBe("62");
    expect(v2.canGetAnotherSms).toBe(true);
    expect(v2.activationOperator).toBe("any");
    const start = Date.parse(`${v2.activationTime}Z`);
    const end = Date.parse(`${v2.activationEndTime}Z`);
    expect(end - start).toBe(20 * 60_000);
    expect(await call({ action: "getStatus", id: v2.activationId })).toBe("STATUS_WAIT_CODE");
  });

  it("buys once for a repeated orderId", async () => {
    const before = (await pair.sb.control.stats()).purchases;
    const first = JSON.parse(
      await call({ action: "getNumberV2", service: "tg", country: "62", orderId: "order-1" }),
    );
    expect(first.activationId).toMatch(/^\d+$/);
    expect(await call({ action: "getNumberV2", service: "tg", country: "62", orderId: "order-1" })).toBe(
      "ORDER_ALREADY_EXISTS",
    );
    expect((await pair.sb.control.stats()).purchases).toBe(before + 1);
  });

  it("releases an orderId after a definitive failure", async () => {
    await pair.sb.control.setOffer("tg", "GB", { stock: 0 });
    expect(await call({ action: "getNumberV2", service: "tg", country: "16", orderId: "order-2" })).toBe(
      "NO_NUMBERS",
    );
    await pair.sb.control.setOffer("tg", "GB", { stock: 50 });
    const v2 = JSON.parse(
      await call({ action: "getNumberV2", service: "tg", country: "16", orderId: "order-2" }),
    );
    expect(v2.countryCode).toBe("16");
  });
});

describe("lists", () => {
  it("getActiveActivations lists waiting and received activations with legacy fields", async () => {
    const { id } = await buy("vk", "0");
    const body = JSON.parse(await call({ action: "getActiveActivations" }));
    expect(body.status).toBe("success");
    const item = body.activeActivations.find((a: { activationId: string }) => a.activationId === id);
    expect(item).toMatchObject({
      activationId: id,
      serviceCode: "vk",
      activationStatus: "4",
      smsCode: [],
      smsText: null,
      countryCode: "0",
      countryName: "Russia",
      canGetAnotherSms: "1",
      currency: 840,
    });
    expect(typeof item.activationCost).toBe("number");
    expect(item.phoneNumber).toMatch(/^7\d+$/);
  });

  it("gives an id to an activation bought outside the gateway, and keeps it", async () => {
    const native = await pair.sb.api("/activations", {
      method: "POST",
      json: { serviceCode: "ig", countryIso: "GB" },
    });
    expect(native.status).toBe(201);
    const find = async () =>
      JSON.parse(await call({ action: "getActiveActivations" })).activeActivations.find(
        (a: { phoneNumber: string }) => a.phoneNumber === native.body.phoneNumber,
      );
    // Younger than a purchase can take to be answered, it may still be a purchase in flight: not shown.
    expect(await find()).toBeUndefined();
    pair.sb.advance(20_000); // PURCHASE_TIMEOUT_MS (15 s) + clock margins
    const first = await find();
    expect(first.activationId).toMatch(/^\d+$/);
    expect(first.countryCode).toBe("16");
    expect((await find()).activationId).toBe(first.activationId);
    expect(await call({ action: "getStatus", id: first.activationId })).toBe("STATUS_WAIT_CODE");
  });

  it("getHistory lists activations with legacy status codes", async () => {
    const { id } = await buy("tg", "0");
    await deliver(id);
    await call({ action: "setStatus", id, status: "6" });
    const history = JSON.parse(await call({ action: "getHistory" }));
    expect(Array.isArray(history)).toBe(true);
    const item = history.find((h: { id: number }) => h.id === Number(id));
    expect(item).toMatchObject({ id: Number(id), status: "6", currency: 840 });
    expect(item.cost).toMatch(/^\d+\.\d{2}$/);
    expect(item.sms).toEqual(expect.any(String));
    expect(JSON.parse(await call({ action: "getHistory", limit: "1" }))).toHaveLength(1);
  });

  it("answers NO_ACTIVATIONS for a key with none", async () => {
    await pair.sb.control.account("empty-key-000000000000000000000000", "5.00");
    expect(
      await pair.gw.call({ api_key: "empty-key-000000000000000000000000", action: "getActiveActivations" }),
    ).toBe("NO_ACTIVATIONS");
  });
});
