import { afterEach, describe, expect, it } from "vitest";
import type { SandboxConfig } from "../../src/sandbox/config.js";
import { type Json, startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

const MAIL_DELAY = 3000;
const ADDRESS_DELAY = 300;
const TTL_S = 1200;
const COOLDOWN_S = 120;
const ORDER = { site: "telegram.com", domain: "gmx.com" };

describe("email activation lifecycle (fake clock)", () => {
  let sb: TestSandbox;
  afterEach(() => sb.close());

  async function start(config: Partial<SandboxConfig> = {}) {
    sb = await startTestSandbox({
      config: {
        smsDelayMs: MAIL_DELAY,
        emailAddressDelayMs: ADDRESS_DELAY,
        activationTtlS: TTL_S,
        emailCancelCooldownS: COOLDOWN_S,
        ...config,
      },
    });
    await setPrice("0.04");
  }
  const setPrice = (price: string) =>
    sb.raw("/sandbox/email-domains", { method: "PUT", json: { ...ORDER, price, stock: 100 } });
  const buy = async () => {
    const res = await sb.api("/email-activations", { method: "POST", json: ORDER });
    expect(res.status).toBe(201);
    return res.body as Json;
  };
  const get = async (id: string) => (await sb.api(`/email-activations/${id}`)).body as Json;
  const reorder = (id: string) => sb.api(`/email-activations/${id}/reorder`, { method: "POST" });
  const cancel = (id: string) => sb.api(`/email-activations/${id}`, { method: "DELETE" });
  const balance = async () => (await sb.api("/wallet/balance")).body.balance as string;
  const txs = async () => (await sb.api("/wallet/transactions?limit=100")).body.data as Json[];

  it("the address is null in the purchase answer and filled after the delay; 0 fills it at once", async () => {
    await start();
    const m = await buy();
    expect(m.emailAddress).toBeNull();
    sb.advance(ADDRESS_DELAY - 1);
    expect((await get(m.id)).emailAddress).toBeNull();
    sb.advance(1);
    expect((await get(m.id)).emailAddress).toMatch(/@gmx\.com$/);
    await sb.close();
    await start({ emailAddressDelayMs: 0 });
    expect((await buy()).emailAddress).toMatch(/@gmx\.com$/);
  });

  it("an HTML mail with the code arrives after the delay: RECEIVED, otpValue, htmlBody, receivedAt", async () => {
    await start();
    const m = await buy();
    sb.advance(MAIL_DELAY - 1);
    expect((await get(m.id)).status).toBe("WAITING");
    sb.advance(1);
    const got = await get(m.id);
    expect(got.status).toBe("RECEIVED");
    expect(got.otpValue).toMatch(/^[1-9]\d{4,5}$/);
    expect(got.htmlBody).toContain("<html>");
    expect(got.htmlBody).toContain(`Your Telegram code is <b>${got.otpValue}</b>`);
    expect(got.receivedAt).toBe("2026-06-03T13:45:03Z");
  });

  it("no mail arrives when automatic delivery is off", async () => {
    await start({ autoSms: false });
    const m = await buy();
    sb.advance(60_000);
    expect((await get(m.id)).status).toBe("WAITING");
  });

  it("expires at expiresAt without a message: EXPIRED and exactly the charge refunded", async () => {
    await start({ autoSms: false });
    const m = await buy();
    expect(await balance()).toBe("99.96");
    sb.advance(TTL_S * 1000 - 1);
    expect((await get(m.id)).status).toBe("WAITING");
    sb.advance(1);
    expect((await get(m.id)).status).toBe("EXPIRED");
    expect(await balance()).toBe("100.00");
    expect((await txs())[0]).toMatchObject({ type: "REFUND", amount: "0.04", activationId: m.id });
    expect((await sb.control.stats()).emailRefunds).toBe(1);
  });

  it("a received mailbox becomes COMPLETED at expiresAt with no refund", async () => {
    await start();
    const m = await buy();
    sb.advance(TTL_S * 1000);
    expect((await get(m.id)).status).toBe("COMPLETED");
    expect(await balance()).toBe("99.96");
    expect((await sb.control.stats()).emailRefunds).toBe(0);
  });

  it("cancel: 409 before cancellableAt, then CANCELLED + refund; a second cancel is 200 with no second refund", async () => {
    await start({ autoSms: false });
    const m = await buy();
    const early = await cancel(m.id);
    expect(early.status).toBe(409);
    expect(early.body.message).toContain("2026-06-03T13:47:00Z");
    sb.advance(COOLDOWN_S * 1000);
    const done = await cancel(m.id);
    expect(done.status).toBe(200);
    expect(done.body.status).toBe("CANCELLED");
    expect(await balance()).toBe("100.00");
    const again = await cancel(m.id);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe("CANCELLED");
    expect((await txs()).filter((t) => t.type === "REFUND")).toHaveLength(1);
    sb.advance(TTL_S * 1000);
    expect((await get(m.id)).status).toBe("CANCELLED");
    expect(await balance()).toBe("100.00");
  });

  it("cancel after a message is a 409 and keeps the charge", async () => {
    await start({ emailCancelCooldownS: 0 });
    const m = await buy();
    sb.advance(MAIL_DELAY);
    const res = await cancel(m.id);
    expect(res.status).toBe(409);
    expect(await balance()).toBe("99.96");
  });

  it("reorder: 409 while WAITING; from RECEIVED charges the current price, same id and address, new window", async () => {
    await start();
    const m = await buy();
    expect((await reorder(m.id)).status).toBe(409);
    sb.advance(MAIL_DELAY);
    const first = await get(m.id);
    await setPrice("0.07");
    sb.advance(10_000);
    const res = await reorder(m.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: m.id,
      emailAddress: first.emailAddress,
      status: "WAITING",
      otpValue: null,
      htmlBody: null,
      receivedAt: null,
      userCost: "0.07",
      createdAt: m.createdAt,
      cancellableAt: "2026-06-03T13:47:13Z",
      expiresAt: "2026-06-03T14:05:13Z",
    });
    expect(await balance()).toBe("99.89");
    expect((await txs())[0]).toMatchObject({ type: "PURCHASE", amount: "-0.07", activationId: m.id });
    expect((await sb.control.stats()).emailPurchases).toBe(2);
    sb.advance(MAIL_DELAY);
    const second = await get(m.id);
    expect(second.status).toBe("RECEIVED");
    expect(second.receivedAt).toBe("2026-06-03T13:45:16Z");
  });

  it("after a reorder without a new message: expiry refunds only the reorder's price", async () => {
    await start({ autoSms: false });
    const m = await buy();
    await sb.raw("/sandbox/email", { method: "POST", json: { activationId: m.id, text: "code 12345" } });
    await setPrice("0.09");
    expect((await reorder(m.id)).status).toBe(200);
    expect(await balance()).toBe("99.87");
    // the first window's expiry is gone: nothing happens at the old expiresAt
    sb.advance(TTL_S * 1000 - 1);
    expect((await get(m.id)).status).toBe("WAITING");
    sb.advance(1);
    expect((await get(m.id)).status).toBe("EXPIRED");
    expect(await balance()).toBe("99.96");
    expect((await txs())[0]).toMatchObject({ type: "REFUND", amount: "0.09" });
  });

  it("after a reorder: cancel refunds only the reorder's price; reorder is allowed from COMPLETED", async () => {
    await start({ autoSms: false, emailCancelCooldownS: 0 });
    const m = await buy();
    await sb.raw("/sandbox/email", { method: "POST", json: { activationId: m.id, text: "code 12345" } });
    sb.advance(TTL_S * 1000);
    expect((await get(m.id)).status).toBe("COMPLETED");
    await setPrice("0.05");
    expect((await reorder(m.id)).status).toBe(200);
    const res = await cancel(m.id);
    expect(res.body.status).toBe("CANCELLED");
    expect((await txs())[0]).toMatchObject({ type: "REFUND", amount: "0.05" });
    expect(await balance()).toBe("99.96");
    expect((await reorder(m.id)).status).toBe(409);
  });

  it("reorder with too little balance is a 400 and changes nothing", async () => {
    await start({ autoSms: false });
    await sb.control.account(sb.apiKey, "0.04");
    const m = await buy();
    await sb.raw("/sandbox/email", { method: "POST", json: { activationId: m.id, text: "code 12345" } });
    const res = await reorder(m.id);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe("Insufficient balance");
    expect(await get(m.id)).toMatchObject({ status: "RECEIVED", otpValue: "12345" });
  });
});
