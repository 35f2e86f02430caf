import { afterEach, describe, expect, it } from "vitest";
import { buyTgInTurkey, startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

describe("control routes under /sandbox", () => {
  let sb: TestSandbox;
  afterEach(() => sb.close());

  const buy = (key?: string) => buyTgInTurkey(sb, key);

  it("GET /sandbox lists the control routes", async () => {
    sb = await startTestSandbox();
    const res = await sb.raw("/sandbox");
    expect(res.status).toBe(200);
    expect(res.body.routes.join("\n")).toMatch(/POST \/sandbox\/accounts/);
  });

  it("POST /sandbox/accounts creates (201) then resets (200) balance, ledger and activations", async () => {
    sb = await startTestSandbox({ config: { autoSms: false } });
    const created = await sb.control.account("fresh_key_12345", "12.34");
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      apiKey: "fresh_key_12345",
      balance: "12.34",
      currency: "USD",
      blocked: false,
    });
    expect((await sb.api("/wallet/balance", { key: "fresh_key_12345" })).body.balance).toBe("12.34");
    await buy("fresh_key_12345");

    const reset = await sb.control.account("fresh_key_12345", "5");
    expect(reset.status).toBe(200);
    expect((await sb.api("/wallet/balance", { key: "fresh_key_12345" })).body.balance).toBe("5.00");
    const txs = (await sb.api("/wallet/transactions", { key: "fresh_key_12345" })).body.data;
    expect(txs).toEqual([expect.objectContaining({ type: "DEPOSIT", amount: "5.00", balanceAfter: "5.00" })]);
    expect((await sb.api("/activations", { key: "fresh_key_12345" })).body.data).toEqual([]);
    // A zero balance opens with an empty ledger.
    await sb.control.account("zero_key_123456", "0");
    expect((await sb.api("/wallet/transactions", { key: "zero_key_123456" })).body.data).toEqual([]);
  });

  it.each([
    [{ apiKey: "short", balance: "1.00" }],
    [{ apiKey: "valid_key_12345", balance: "1.234" }],
    [{ apiKey: "valid_key_12345", balance: "-1" }],
    [{ apiKey: "valid_key_12345" }],
    [{ apiKey: "valid_key_12345", balance: "1", extra: true }],
  ])("POST /sandbox/accounts rejects %j with 400", async (body) => {
    sb = await startTestSandbox();
    const res = await sb.raw("/sandbox/accounts", { json: body });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, message: expect.any(Array), error: "Bad Request" });
  });

  it("POST /sandbox/sms by activation id with a text extracts the code", async () => {
    sb = await startTestSandbox({ config: { autoSms: false } });
    const a = await buy();
    const res = await sb.control.deliverSms({ activationId: a.id }, "Your Telegram code is 48213");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: a.id,
      status: "RECEIVED",
      smsCode: "48213",
      smsText: "Your Telegram code is 48213",
    });
    expect((await sb.api(`/activations/${a.id}`)).body.smsCode).toBe("48213");
  });

  it("POST /sandbox/sms without text generates a realistic SMS", async () => {
    sb = await startTestSandbox({ config: { autoSms: false } });
    const a = await buy();
    const res = await sb.control.deliverSms({ activationId: a.id });
    expect(res.body.smsCode).toMatch(/^\d{4,6}$/);
    expect(res.body.smsText).toContain(res.body.smsCode);
  });

  it("POST /sandbox/sms by phone number goes to the newest waiting activation of that number", async () => {
    sb = await startTestSandbox({ config: { autoSms: false, cancelCooldownS: 0 } });
    const first = await buy();
    await sb.api(`/activations/${first.id}`, { method: "DELETE" }); // frees the number
    const res = await sb.control.deliverSms({ phoneNumber: first.phoneNumber }, "code 1234");
    expect(res.status).toBe(404);
    // A number with a waiting activation: "+" is tolerated.
    const second = await buy();
    const byPhone = await sb.control.deliverSms({ phoneNumber: `+${second.phoneNumber}` }, "code 5555");
    expect(byPhone.status).toBe(200);
    expect(byPhone.body).toMatchObject({ id: second.id, status: "RECEIVED", smsCode: "5555" });
  });

  it("POST /sandbox/sms: 404 unknown id, 409 ended activation, 400 bad bodies", async () => {
    sb = await startTestSandbox({ config: { autoSms: false, cancelCooldownS: 0 } });
    expect((await sb.control.deliverSms({ activationId: "cnope" })).status).toBe(404);
    const a = await buy();
    await sb.api(`/activations/${a.id}`, { method: "DELETE" });
    const ended = await sb.control.deliverSms({ activationId: a.id }, "code 1234");
    expect(ended.status).toBe(409);
    expect(ended.body).toMatchObject({ statusCode: 409, error: "Conflict" });
    expect((await sb.raw("/sandbox/sms", { json: {} })).status).toBe(400);
    expect(
      (await sb.raw("/sandbox/sms", { json: { activationId: a.id, phoneNumber: a.phoneNumber } })).status,
    ).toBe(400);
    const b = await buy();
    expect((await sb.control.deliverSms({ activationId: b.id }, "no digits")).status).toBe(400);
    expect((await sb.api(`/activations/${b.id}`)).body.status).toBe("WAITING");
  });

  it("GET /sandbox/stats counts purchases, refunds and requests by route pattern; reset zeroes them", async () => {
    sb = await startTestSandbox({ config: { autoSms: false, cancelCooldownS: 0 } });
    const a = await buy();
    await buy();
    await sb.api(`/activations/${a.id}`);
    await sb.api(`/activations/${a.id}`, { method: "DELETE" });
    await sb.api("/services/tg/countries", { key: null });
    await sb.raw("/nowhere");
    const stats = await sb.control.stats();
    expect(stats.purchases).toBe(2);
    expect(stats.refunds).toBe(1);
    expect(stats.requests).toEqual({
      "POST /api/v1/activations": 2,
      "GET /api/v1/activations/:id": 1,
      "DELETE /api/v1/activations/:id": 1,
      "GET /api/v1/services/:codeOrSlug/countries": 1,
      "GET *": 1,
      "GET /sandbox/stats": 1,
    });
    await sb.control.resetStats();
    expect(await sb.control.stats()).toEqual({
      purchases: 0,
      refunds: 0,
      emailPurchases: 0,
      emailRefunds: 0,
      requests: { "GET /sandbox/stats": 1 },
    });
  });

  it("GET /sandbox/activations lists every account's activations without revealing keys", async () => {
    sb = await startTestSandbox({ config: { autoSms: false } });
    await sb.control.account("alpha_key_12345", "10.00");
    const mine = await buy();
    const theirs = await buy("alpha_key_12345");
    const all = await sb.control.activations();
    expect(all.map((a) => a.id)).toEqual([theirs.id, mine.id]);
    expect(JSON.stringify(all)).not.toContain("alpha_key_12345");
    expect(all[0]).toMatchObject({
      status: "WAITING",
      serviceCode: "tg",
      countryIso: "TR",
      phoneNumber: theirs.phoneNumber,
    });
    expect(all[0]!.account).not.toBe(all[1]!.account);
    expect((await sb.control.activations("alpha_key_12345")).map((a) => a.id)).toEqual([theirs.id]);
    expect((await sb.raw("/sandbox/activations?apiKey=unknown_key_000")).status).toBe(404);
  });

  it("PUT /sandbox/offers changes price and stock; 404 for unknown service or country", async () => {
    sb = await startTestSandbox();
    const res = await sb.control.setOffer("wa", "GB", { price: "1.11", stock: 7 });
    expect(res.body).toEqual({ serviceCode: "wa", countryIso: "GB", price: "1.11", stock: 7 });
    const gb = (await sb.api("/services/wa/countries", { key: null })).body.countries.find(
      (o: { isoCode: string }) => o.isoCode === "GB",
    );
    expect(gb).toMatchObject({ price: "1.11", stock: 7 });
    expect(
      (await sb.api("/activations", { method: "POST", json: { serviceCode: "wa", countryIso: "GB" } })).body
        .userCost,
    ).toBe("1.11");
    expect((await sb.control.setOffer("nope", "GB", { stock: 1 })).status).toBe(404);
    expect((await sb.control.setOffer("wa", "ZZ", { stock: 1 })).status).toBe(404);
  });

  it("control routes are never under /api/v1", async () => {
    sb = await startTestSandbox();
    expect((await sb.api("/sandbox/stats")).status).toBe(404);
  });
});
