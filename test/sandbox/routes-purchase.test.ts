import { isValidPhoneNumber } from "libphonenumber-js/max";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Catalog } from "../../src/sandbox/catalog.js";
import { activationSchema, errorBodySchema, transactionPageSchema } from "../../src/upstream/schemas.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

const ACTIVATION_KEYS = [
  "id",
  "phoneNumber",
  "status",
  "serviceCode",
  "countryIso",
  "operator",
  "smsCode",
  "smsText",
  "userCost",
  "currency",
  "cancellable",
  "cancellableAt",
  "createdAt",
  "expiresAt",
  "receivedAt",
];

describe("POST /activations", () => {
  let sb: TestSandbox;
  const catalog = Catalog.load();
  beforeEach(async () => {
    sb = await startTestSandbox({ config: { cancelCooldownS: 120, activationTtlS: 1200 } });
  });
  afterEach(() => sb.close());

  const buy = (json: unknown, key?: string) => sb.api("/activations", { method: "POST", json, key });

  it("answers 201 with the full activation object, charged and out of stock by one", async () => {
    const price = catalog.offer("wa", "TR")!;
    const res = await buy({ serviceCode: "wa", countryIso: "TR", operator: "any" });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual([...ACTIVATION_KEYS].sort());
    const a = activationSchema.parse(res.body);
    expect(a.id).toMatch(/^c[a-z0-9]{24}$/);
    expect(a).toMatchObject({
      status: "WAITING",
      serviceCode: "wa",
      countryIso: "TR",
      operator: null,
      smsCode: null,
      smsText: null,
      currency: "USD",
      cancellable: false,
      receivedAt: null,
    });
    expect(a.phoneNumber).toMatch(/^90\d{10}$/);
    expect(isValidPhoneNumber(`+${a.phoneNumber}`, "TR")).toBe(true);
    expect(a.createdAt).toBe("2026-06-03T13:45:00Z");
    expect(a.cancellableAt).toBe("2026-06-03T13:47:00Z");
    expect(a.expiresAt).toBe("2026-06-03T14:05:00Z");

    const expectedBalance = 10000 - price.priceCents;
    expect(a.userCost).toBe(
      `${Math.floor(price.priceCents / 100)}.${String(price.priceCents % 100).padStart(2, "0")}`,
    );
    const balance = await sb.api("/wallet/balance");
    expect(balance.body.balance).toBe(
      `${Math.floor(expectedBalance / 100)}.${String(expectedBalance % 100).padStart(2, "0")}`,
    );

    const txs = transactionPageSchema.parse((await sb.api("/wallet/transactions")).body).data;
    expect(txs[0]).toMatchObject({
      type: "PURCHASE",
      amount: `-${a.userCost}`,
      balanceAfter: balance.body.balance,
      activationId: a.id,
    });

    const offers = (await sb.api("/services/wa/countries")).body.countries;
    expect(offers.find((o: { isoCode: string }) => o.isoCode === "TR").stock).toBe(price.stock - 1);
  });

  it("echoes a specific operator and accepts lowercase ISO codes and upper-case service codes", async () => {
    const res = await buy({ serviceCode: "TG", countryIso: "gb", operator: "vodafone" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ serviceCode: "tg", countryIso: "GB", operator: "vodafone" });
    expect(res.body.phoneNumber).toMatch(/^44/);
  });

  it.each([
    [
      {},
      [
        "serviceCode should not be empty",
        "serviceCode must be a string",
        "countryIso should not be empty",
        "countryIso must be a string",
      ],
    ],
    [{ serviceCode: 5, countryIso: "TR" }, ["serviceCode must be a string"]],
    [{ serviceCode: "tg", countryIso: ["TR"] }, ["countryIso must be a string"]],
    [{ serviceCode: "tg", countryIso: "TUR" }, ["countryIso must be an ISO 3166-1 alpha-2 code"]],
    [{ serviceCode: "t g!", countryIso: "TR" }, ["serviceCode must match /^[a-z0-9_]{1,16}$/"]],
    [{ serviceCode: "tg", countryIso: "TR", operator: 7 }, ["operator must be a string"]],
    [
      [],
      [
        "serviceCode should not be empty",
        "serviceCode must be a string",
        "countryIso should not be empty",
        "countryIso must be a string",
      ],
    ],
  ])("rejects %j with 400 and a message array", async (body, messages) => {
    const res = await buy(body);
    expect(res.status).toBe(400);
    expect(errorBodySchema.parse(res.body)).toEqual({
      statusCode: 400,
      message: messages,
      error: "Bad Request",
    });
    expect((await sb.control.stats()).purchases).toBe(0);
  });

  it("rejects malformed JSON with 400 JSON", async () => {
    const res = await sb.api("/activations", {
      method: "POST",
      body: '{"serviceCode":"tg",',
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect(errorBodySchema.parse(res.body)).toMatchObject({ statusCode: 400, error: "Bad Request" });
    expect(typeof res.body.message).toBe("string");
  });

  it("answers 404 for an unknown service or country", async () => {
    const service = await buy({ serviceCode: "zzzz", countryIso: "TR" });
    expect(service.status).toBe(404);
    expect(service.body).toMatchObject({ statusCode: 404, error: "Not Found" });
    expect(service.body.message).toMatch(/Service/);
    const country = await buy({ serviceCode: "tg", countryIso: "ZZ" });
    expect(country.status).toBe(404);
    expect(country.body.message).toMatch(/Country/);
  });

  it("answers 503 with the NestJS body when the pair is out of stock, and charges nothing", async () => {
    await sb.control.setOffer("tg", "TR", { stock: 0 });
    const res = await buy({ serviceCode: "tg", countryIso: "TR" });
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      statusCode: 503,
      message: "No numbers available",
      error: "Service Unavailable",
    });
    expect((await sb.api("/wallet/balance")).body.balance).toBe("100.00");
  });

  it("answers 503 for a pair the catalogue never offered", async () => {
    const absent = catalog.services
      .flatMap((s) => catalog.countries.map((c) => [s.code, c.isoCode] as const))
      .find(([s, c]) => catalog.offer(s, c) === undefined);
    expect(absent).toBeDefined();
    const res = await buy({ serviceCode: absent![0], countryIso: absent![1] });
    expect(res.status).toBe(503);
  });

  it("answers 400 Insufficient balance and charges nothing", async () => {
    await sb.control.account("poor_key_123456", "0.04");
    const res = await buy({ serviceCode: "tg", countryIso: "RU" }, "poor_key_123456");
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ statusCode: 400, message: "Insufficient balance", error: "Bad Request" });
    expect((await sb.api("/wallet/balance", { key: "poor_key_123456" })).body.balance).toBe("0.04");
  });

  it("sells the last number and then answers 503", async () => {
    await sb.control.setOffer("tg", "US", { stock: 1 });
    expect((await buy({ serviceCode: "tg", countryIso: "US" })).status).toBe(201);
    expect((await buy({ serviceCode: "tg", countryIso: "US" })).status).toBe(503);
  });
});
