import { afterEach, describe, expect, it } from "vitest";
import type { SandboxConfig } from "../../src/sandbox/config.js";
import { errorBodySchema } from "../../src/upstream/schemas.js";
import { type Json, startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

const ORDER = { site: "telegram.com", domain: "gmx.com" };
const FIELDS = [
  "id",
  "site",
  "domain",
  "emailAddress",
  "status",
  "otpValue",
  "htmlBody",
  "userCost",
  "currency",
  "cancellableAt",
  "expiresAt",
  "receivedAt",
  "createdAt",
];

describe("email-activation routes", () => {
  let sb: TestSandbox;
  afterEach(() => sb.close());

  const start = async (config: Partial<SandboxConfig> = {}) => {
    sb = await startTestSandbox({ config });
  };
  const buy = (json: unknown = ORDER, key?: string) =>
    sb.api("/email-activations", { method: "POST", json, ...(key && { key }) });
  const setDomain = (body: Json) => sb.raw("/sandbox/email-domains", { method: "PUT", json: body });
  const balance = async () => (await sb.api("/wallet/balance")).body.balance as string;

  it("lists a site's domains as a bare array with numeric prices, zero-stock ones included", async () => {
    await start();
    await setDomain({ ...ORDER, price: "0.04", stock: 0 });
    const res = await sb.api("/email-activations/domains?site=telegram.com");
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body)).toBe(true);
    expect(res.body.length).toBeGreaterThanOrEqual(3);
    expect(res.body[0]).toEqual({ name: "gmx.com", price: 0.04, count: 0, currency: "USD" });
    for (const d of res.body) {
      expect(typeof d.price).toBe("number");
      expect(Number.isInteger(d.count)).toBe(true);
    }
  });

  it("domains: missing site → 400 listing the problem, unknown site → 404, no key → 401", async () => {
    await start();
    const missing = await sb.api("/email-activations/domains");
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain("site should not be empty");
    const unknown = await sb.api("/email-activations/domains?site=nowhere.example");
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe('Site "nowhere.example" not found');
    expect((await sb.api("/email-activations/domains?site=telegram.com", { key: null })).status).toBe(401);
  });

  it("buys a mailbox: 201 with exactly the §10 fields, charged the domain price as a PURCHASE", async () => {
    await start({ emailAddressDelayMs: 0 });
    await setDomain({ ...ORDER, price: "0.04", stock: 5 });
    const res = await buy();
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual([...FIELDS].sort());
    expect(res.body).toMatchObject({
      site: "telegram.com",
      domain: "gmx.com",
      status: "WAITING",
      otpValue: null,
      htmlBody: null,
      userCost: "0.04",
      currency: "USD",
      receivedAt: null,
      createdAt: "2026-06-03T13:45:00Z",
      cancellableAt: "2026-06-03T13:45:00Z", // no cancel cool-down on mailboxes by default
      expiresAt: "2026-06-03T14:05:00Z",
    });
    expect(res.body.id).toMatch(/^c[a-z0-9]{24}$/);
    expect(res.body.emailAddress).toMatch(/^[a-z]+\.[a-z]+\d{4}@gmx\.com$/);
    expect(await balance()).toBe("99.96");
    const txs = (await sb.api("/wallet/transactions")).body.data;
    expect(txs[0]).toMatchObject({ type: "PURCHASE", amount: "-0.04", activationId: res.body.id });
    const domains = (await sb.api("/email-activations/domains?site=telegram.com")).body;
    expect(domains[0].count).toBe(4);
  });

  it("purchase validation: every problem listed, malformed JSON 400, empty body = {}", async () => {
    await start();
    const empty = await sb.api("/email-activations", { method: "POST", body: "" });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toEqual([
      "site should not be empty",
      "site must be a string",
      "domain should not be empty",
      "domain must be a string",
    ]);
    const wrongType = await buy({ site: 5, domain: "gmx.com" });
    expect(wrongType.body.message).toEqual(["site must be a string"]);
    const malformed = await sb.api("/email-activations", {
      method: "POST",
      body: "{nope",
      headers: { "content-type": "application/json" },
    });
    expect(malformed.status).toBe(400);
    expect(errorBodySchema.parse(malformed.body).statusCode).toBe(400);
    expect(await balance()).toBe("100.00");
  });

  it("purchase errors: unknown site or domain 404, no stock 503 JSON, low balance 400, nothing charged", async () => {
    await start();
    expect((await buy({ site: "nowhere.example", domain: "gmx.com" })).status).toBe(404);
    const noDomain = await buy({ site: "telegram.com", domain: "nowhere.example" });
    expect(noDomain.status).toBe(404);
    await setDomain({ ...ORDER, stock: 0 });
    const out = await buy();
    expect(out.status).toBe(503);
    expect(out.body).toMatchObject({ statusCode: 503, message: "No email addresses available" });
    await setDomain({ ...ORDER, stock: 3, price: "100.01" });
    const poor = await buy();
    expect(poor.status).toBe(400);
    expect(poor.body.message).toBe("Insufficient balance");
    expect(await balance()).toBe("100.00");
    expect((await sb.api("/email-activations")).body.data).toEqual([]);
  });

  it("lists newest first with limit 1–100 (default 50, else 400); get by id; another key's is a 404", async () => {
    await start();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await buy()).body.id);
      sb.advance(1000);
    }
    const list = await sb.api("/email-activations");
    expect(list.status).toBe(200);
    expect(Object.keys(list.body)).toEqual(["data"]);
    expect(list.body.data.map((m: Json) => m.id)).toEqual([...ids].reverse());
    expect((await sb.api("/email-activations?limit=2")).body.data.map((m: Json) => m.id)).toEqual([
      ids[2],
      ids[1],
    ]);
    for (const bad of ["0", "101", "x", "-1"]) {
      expect((await sb.api(`/email-activations?limit=${bad}`)).status).toBe(400);
    }
    expect((await sb.api(`/email-activations/${ids[0]}`)).body.id).toBe(ids[0]);
    expect((await sb.api("/email-activations/cnope")).status).toBe(404);
    await sb.control.account("other_key_12345", "5.00");
    expect((await sb.api(`/email-activations/${ids[0]}`, { key: "other_key_12345" })).status).toBe(404);
    expect((await sb.api("/email-activations", { key: "other_key_12345" })).body.data).toEqual([]);
  });

  it("concurrent purchases never overspend the balance or the stock, and never share an address", async () => {
    await start({ emailAddressDelayMs: 0 });
    await sb.control.account(sb.apiKey, "1.00");
    await setDomain({ ...ORDER, price: "0.10", stock: 8 });
    const answers = await Promise.all(Array.from({ length: 20 }, () => buy()));
    const ok = answers.filter((r) => r.status === 201);
    expect(ok).toHaveLength(8);
    expect(answers.filter((r) => r.status === 503)).toHaveLength(12);
    expect(await balance()).toBe("0.20");
    const addresses = ok.map((r) => r.body.emailAddress);
    expect(new Set(addresses).size).toBe(8);

    await setDomain({ ...ORDER, stock: 50 });
    const more = await Promise.all(Array.from({ length: 5 }, () => buy()));
    expect(more.filter((r) => r.status === 201)).toHaveLength(2);
    expect(more.filter((r) => r.status === 400)).toHaveLength(3);
    expect(await balance()).toBe("0.00");
  });

  it("an after-phase fault on the email purchase: the caller gets a 500 but the mailbox exists and is charged", async () => {
    await start();
    await sb.control.setFaults([{ route: "POST /api/v1/email-activations", phase: "after", error500: 1 }]);
    const res = await buy();
    expect(res.status).toBe(500);
    expect(res.body.id).toBeUndefined();
    expect((await sb.api("/email-activations")).body.data).toHaveLength(1);
    expect(await balance()).not.toBe("100.00");
    expect((await sb.control.stats()).emailPurchases).toBe(1);
  });

  it("fault rules and the per-key rate limit apply to email routes", async () => {
    await start({ rateLimitPerS: 3 });
    await sb.control.setFaults([{ route: "POST /api/v1/email-activations", phase: "before", error500: 1 }]);
    const faulted = await buy();
    expect(faulted.status).toBe(500);
    await sb.control.clearFaults();
    expect((await sb.control.stats()).emailPurchases).toBe(0);
    sb.advance(1000);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await sb.api("/email-activations")).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await sb.api("/email-activations/domains?site=telegram.com");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });
});
