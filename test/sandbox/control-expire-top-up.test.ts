import { afterEach, describe, expect, it } from "vitest";
import { buyTgInTurkey, startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

/** The control routes a console drives besides SMS and offers (docs/native-api.md §8.3). */
describe("POST /sandbox/activations/:id/expire and POST /sandbox/accounts/top-up", () => {
  let sb: TestSandbox;
  afterEach(() => sb.close());

  const buy = (key?: string) => buyTgInTurkey(sb, key);
  const balance = async (key?: string) => (await sb.api("/wallet/balance", { key })).body.balance;

  it("expire without a code: EXPIRED and refunded at once, before the window's end", async () => {
    sb = await startTestSandbox({ config: { autoSms: false } });
    const a = await buy();
    expect(await balance()).not.toBe("100.00");
    const res = await sb.control.expire(a.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: a.id, status: "EXPIRED", smsCode: null, cancellable: false });
    expect((await sb.api(`/activations/${a.id}`)).body.status).toBe("EXPIRED");
    expect(await balance()).toBe("100.00");
    const txs = (await sb.api("/wallet/transactions")).body.data;
    expect(txs[0]).toMatchObject({ type: "REFUND", activationId: a.id });
    expect((await sb.control.stats()).refunds).toBe(1);
    // The window's own end later changes nothing (its timer was cleared).
    sb.advance(30 * 60_000);
    expect((await sb.control.stats()).refunds).toBe(1);
  });

  it("expire after a code: COMPLETED, the charge stays", async () => {
    sb = await startTestSandbox({ config: { autoSms: false } });
    const a = await buy();
    await sb.control.deliverSms({ activationId: a.id }, "Your code is 12345");
    const before = await balance();
    const res = await sb.control.expire(a.id);
    expect(res.body).toMatchObject({ status: "COMPLETED", smsCode: "12345" });
    expect(await balance()).toBe(before);
  });

  it("expire: 404 for an unknown id, 409 for an ended activation", async () => {
    sb = await startTestSandbox({ config: { autoSms: false } });
    expect((await sb.control.expire("nope")).status).toBe(404);
    const a = await buy();
    await sb.control.expire(a.id);
    const again = await sb.control.expire(a.id);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ statusCode: 409, message: expect.stringContaining("EXPIRED") });
  });

  it("top-up adds a DEPOSIT and answers the balance without the key", async () => {
    sb = await startTestSandbox();
    const res = await sb.control.topUp(sb.apiKey, "12.5");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ balance: "112.50", currency: "USD" });
    expect(res.text).not.toContain(sb.apiKey);
    expect(await balance()).toBe("112.50");
    const txs = (await sb.api("/wallet/transactions")).body.data;
    expect(txs[0]).toMatchObject({ type: "DEPOSIT", amount: "12.50", balanceAfter: "112.50" });
  });

  it.each([
    [{ apiKey: "0123456789abcdef0123456789abcdef", amount: "0" }],
    [{ apiKey: "0123456789abcdef0123456789abcdef", amount: "-1" }],
    [{ apiKey: "0123456789abcdef0123456789abcdef", amount: "1.234" }],
    [{ apiKey: "0123456789abcdef0123456789abcdef" }],
    [{ amount: "1" }],
  ])("top-up refuses %j with 400", async (body) => {
    sb = await startTestSandbox();
    const res = await sb.raw("/sandbox/accounts/top-up", { json: body });
    expect(res.status).toBe(400);
  });

  it("top-up of an unknown account is a 404; GET /sandbox lists both routes", async () => {
    sb = await startTestSandbox();
    expect((await sb.control.topUp("unknown_key_123", "1")).status).toBe(404);
    const routes: string[] = (await sb.raw("/sandbox")).body.routes;
    expect(routes.join("\n")).toMatch(/POST \/sandbox\/accounts\/top-up/);
    expect(routes.join("\n")).toMatch(/POST \/sandbox\/activations\/:id\/expire/);
  });
});
