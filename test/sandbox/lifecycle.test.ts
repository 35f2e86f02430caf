import { afterEach, describe, expect, it } from "vitest";
import type { SandboxConfig } from "../../src/sandbox/config.js";
import { activationSchema, transactionPageSchema } from "../../src/upstream/schemas.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

const SMS_DELAY = 3000;
const TTL_S = 1200;
const COOLDOWN_S = 120;

describe("activation lifecycle (fake clock)", () => {
  let sb: TestSandbox;
  afterEach(() => sb.close());

  async function start(config: Partial<SandboxConfig> = {}) {
    sb = await startTestSandbox({
      config: {
        smsDelayMs: SMS_DELAY,
        activationTtlS: TTL_S,
        cancelCooldownS: COOLDOWN_S,
        resendLimit: 3,
        ...config,
      },
    });
  }
  const buy = async (serviceCode = "tg", countryIso = "TR") => {
    const res = await sb.api("/activations", { method: "POST", json: { serviceCode, countryIso } });
    expect(res.status).toBe(201);
    return activationSchema.parse(res.body);
  };
  const get = async (id: string) => activationSchema.parse((await sb.api(`/activations/${id}`)).body);
  const balance = async () => (await sb.api("/wallet/balance")).body.balance as string;
  const transactions = async () =>
    transactionPageSchema.parse((await sb.api("/wallet/transactions?limit=100")).body).data;

  it("delivers an SMS after the delay: RECEIVED with a 4–6 digit code, its text and receivedAt", async () => {
    await start();
    const a = await buy();
    sb.advance(SMS_DELAY - 1);
    expect((await get(a.id)).status).toBe("WAITING");
    sb.advance(1);
    const received = await get(a.id);
    expect(received.status).toBe("RECEIVED");
    expect(received.smsCode).toMatch(/^\d{4,6}$/);
    expect(received.smsText).toContain(received.smsCode);
    expect(received.smsText).toMatch(/Telegram/);
    expect(received.receivedAt).toBe("2026-06-03T13:45:03Z");
    expect(received.cancellable).toBe(false);
  });

  it("sends no SMS when automatic SMS is off", async () => {
    await start({ autoSms: false });
    const a = await buy();
    sb.advance(60_000);
    expect((await get(a.id)).status).toBe("WAITING");
  });

  it("expires at expiresAt without an SMS and refunds exactly the charge", async () => {
    await start({ autoSms: false });
    const before = await balance();
    const a = await buy();
    expect(await balance()).not.toBe(before);
    sb.advance(TTL_S * 1000 - 1);
    expect((await get(a.id)).status).toBe("WAITING");
    sb.advance(1);
    const expired = await get(a.id);
    expect(expired.status).toBe("EXPIRED");
    expect(expired.cancellable).toBe(false);
    expect(await balance()).toBe(before);
    const refund = (await transactions()).find((t) => t.type === "REFUND");
    expect(refund).toMatchObject({ amount: a.userCost, activationId: a.id, balanceAfter: before });
    expect((await sb.control.stats()).refunds).toBe(1);
  });

  it("ends as COMPLETED (no refund) when a code arrived before expiry", async () => {
    await start();
    const a = await buy();
    const afterPurchase = await balance();
    sb.advance(TTL_S * 1000);
    expect((await get(a.id)).status).toBe("COMPLETED");
    expect(await balance()).toBe(afterPurchase);
    expect((await transactions()).some((t) => t.type === "REFUND")).toBe(false);
  });

  it("refuses to cancel before cancellableAt (409), then cancels with a full refund", async () => {
    await start({ autoSms: false });
    const before = await balance();
    const a = await buy();
    const early = await sb.api(`/activations/${a.id}`, { method: "DELETE" });
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ statusCode: 409, error: "Conflict" });
    sb.advance(COOLDOWN_S * 1000 - 1000);
    expect((await sb.api(`/activations/${a.id}`, { method: "DELETE" })).status).toBe(409);
    sb.advance(1000);
    expect((await get(a.id)).cancellable).toBe(true);
    const cancelled = await sb.api(`/activations/${a.id}`, { method: "DELETE" });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id: a.id, status: "CANCELLED", cancellable: false });
    expect(await balance()).toBe(before);
    // Ended: DELETE again is a 200 with the object, and no second refund.
    const again = await sb.api(`/activations/${a.id}`, { method: "DELETE" });
    expect(again.status).toBe(200);
    expect(again.body.status).toBe("CANCELLED");
    expect((await transactions()).filter((t) => t.type === "REFUND")).toHaveLength(1);
    // And it does not expire into a second refund later.
    sb.advance(TTL_S * 1000);
    expect((await get(a.id)).status).toBe("CANCELLED");
    expect(await balance()).toBe(before);
  });

  it("allows cancelling at once when the cool-down is 0", async () => {
    await start({ autoSms: false, cancelCooldownS: 0 });
    const a = await buy();
    expect(a.cancellable).toBe(true);
    expect(a.cancellableAt).toBe(a.createdAt);
    expect((await sb.api(`/activations/${a.id}`, { method: "DELETE" })).body.status).toBe("CANCELLED");
  });

  it("refuses to cancel after an SMS arrived (409), keeping the charge", async () => {
    await start();
    const a = await buy();
    sb.advance(COOLDOWN_S * 1000);
    const afterPurchase = await balance();
    const res = await sb.api(`/activations/${a.id}`, { method: "DELETE" });
    expect(res.status).toBe(409);
    expect((await get(a.id)).status).toBe("RECEIVED");
    expect(await balance()).toBe(afterPurchase);
  });

  it("completes only once a code arrived: 409 before, COMPLETED after, idempotent", async () => {
    await start();
    const a = await buy();
    const early = await sb.api(`/activations/${a.id}/complete`, { method: "POST" });
    expect(early.status).toBe(409);
    sb.advance(SMS_DELAY);
    const done = await sb.api(`/activations/${a.id}/complete`, { method: "POST" });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: "COMPLETED", smsCode: expect.stringMatching(/^\d+$/) });
    expect((await sb.api(`/activations/${a.id}/complete`, { method: "POST" })).body.status).toBe("COMPLETED");
    // COMPLETED is final: later timers change nothing.
    sb.advance(TTL_S * 1000);
    expect((await get(a.id)).status).toBe("COMPLETED");
  });

  it("cannot complete a cancelled activation", async () => {
    await start({ autoSms: false, cancelCooldownS: 0 });
    const a = await buy();
    await sb.api(`/activations/${a.id}`, { method: "DELETE" });
    expect((await sb.api(`/activations/${a.id}/complete`, { method: "POST" })).status).toBe(409);
  });

  it("resend: RECEIVED → WAITING keeping the last code, a new code after the delay, at most 3 times, then 409", async () => {
    await start();
    const a = await buy();
    expect((await sb.api(`/activations/${a.id}/request-resend`, { method: "POST" })).status).toBe(409); // still WAITING
    sb.advance(SMS_DELAY);
    let last = (await get(a.id)).smsCode;
    expect(last).not.toBeNull();
    const codes = [last];
    for (let i = 1; i <= 3; i++) {
      const res = await sb.api(`/activations/${a.id}/request-resend`, { method: "POST" });
      expect(res.status, `resend ${i}`).toBe(200);
      expect(res.body).toMatchObject({ status: "WAITING", smsCode: last });
      expect((await sb.api(`/activations/${a.id}/request-resend`, { method: "POST" })).status).toBe(409); // WAITING again
      sb.advance(SMS_DELAY);
      const after = await get(a.id);
      expect(after.status).toBe("RECEIVED");
      last = after.smsCode;
      codes.push(last);
    }
    expect(new Set(codes).size).toBeGreaterThan(1);
    const fourth = await sb.api(`/activations/${a.id}/request-resend`, { method: "POST" });
    expect(fourth.status).toBe(409);
    expect(fourth.body.message).toMatch(/limit/i);
  });

  it("completes while WAITING after a resend (the last code is kept), and cannot be cancelled then", async () => {
    await start({ autoSms: false, cancelCooldownS: 0 });
    const a = await buy();
    expect((await sb.control.deliverSms({ activationId: a.id }, "Your Telegram code is 11111")).status).toBe(
      200,
    );
    const resent = await sb.api(`/activations/${a.id}/request-resend`, { method: "POST" });
    expect(resent.body).toMatchObject({ status: "WAITING", smsCode: "11111", cancellable: false });
    expect((await sb.api(`/activations/${a.id}`, { method: "DELETE" })).status).toBe(409);
    const done = await sb.api(`/activations/${a.id}/complete`, { method: "POST" });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: "COMPLETED", smsCode: "11111" });
  });

  it("a resent SMS replaces the kept code", async () => {
    await start({ autoSms: false });
    const a = await buy();
    await sb.control.deliverSms({ activationId: a.id }, "Your Telegram code is 11111");
    await sb.api(`/activations/${a.id}/request-resend`, { method: "POST" });
    await sb.control.deliverSms({ activationId: a.id }, "Your Telegram code is 22222");
    expect(await get(a.id)).toMatchObject({
      status: "RECEIVED",
      smsCode: "22222",
      smsText: "Your Telegram code is 22222",
    });
  });

  it("an activation waiting for a resent SMS at expiry ends COMPLETED without refund", async () => {
    await start({ smsDelayMs: 600_000 });
    const a = await buy();
    sb.advance(600_000);
    await sb.api(`/activations/${a.id}/request-resend`, { method: "POST" });
    const charged = await balance();
    sb.advance(600_000); // the resent SMS would come exactly at expiry; expiry wins or the SMS does, both final
    const end = await get(a.id);
    expect(end.status).toBe("COMPLETED");
    expect(await balance()).toBe(charged);
  });

  it("answers 404 for another key's activation and for unknown ids", async () => {
    await start();
    const a = await buy();
    await sb.control.account("second_key_1234", "10.00");
    for (const [method, suffix] of [
      ["GET", ""],
      ["DELETE", ""],
      ["POST", "/complete"],
      ["POST", "/request-resend"],
    ] as const) {
      const other = await sb.api(`/activations/${a.id}${suffix}`, { method, key: "second_key_1234" });
      expect(other.status, `${method} ${suffix}`).toBe(404);
      expect(other.body).toMatchObject({
        statusCode: 404,
        message: "Activation not found",
        error: "Not Found",
      });
      expect((await sb.api(`/activations/cnonexistent000000000000000${suffix}`, { method })).status).toBe(
        404,
      );
    }
  });
});
