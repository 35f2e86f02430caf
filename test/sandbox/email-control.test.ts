import { afterEach, describe, expect, it } from "vitest";
import { type Json, startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

const ORDER = { site: "telegram.com", domain: "gmx.com" };

describe("email control routes under /sandbox", () => {
  let sb: TestSandbox;
  afterEach(() => sb.close());

  const start = async () => {
    sb = await startTestSandbox({ config: { autoSms: false, emailAddressDelayMs: 0 } });
  };
  const buy = async (key?: string) => {
    const res = await sb.api("/email-activations", { method: "POST", json: ORDER, ...(key && { key }) });
    expect(res.status).toBe(201);
    return res.body as Json;
  };
  const deliver = (json: Json) => sb.raw("/sandbox/email", { method: "POST", json });
  const expire = (id: string) => sb.raw(`/sandbox/email-activations/${id}/expire`, { method: "POST" });

  it("POST /sandbox/email delivers a text or HTML message now and answers the object", async () => {
    await start();
    const m = await buy();
    const res = await deliver({ activationId: m.id, text: "Your Telegram code is 58213" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: m.id, status: "RECEIVED", otpValue: "58213" });
    expect(res.body.htmlBody).toContain("Your Telegram code is 58213");
    const html = await deliver({ activationId: m.id, html: '<html><b style="x:1">Code</b> 4711</html>' });
    expect(html.body).toMatchObject({
      otpValue: "4711",
      htmlBody: '<html><b style="x:1">Code</b> 4711</html>',
    });
    const generated = await deliver({ activationId: m.id });
    expect(generated.body.otpValue).toMatch(/^\d{5,6}$/);
  });

  it("POST /sandbox/email: 400 without a code or with both html and text, 404 unknown, 409 ended", async () => {
    await start();
    const m = await buy();
    expect((await deliver({ activationId: m.id, text: "no code here 123" })).status).toBe(400);
    expect((await deliver({ activationId: m.id, text: "1234", html: "1234" })).status).toBe(400);
    expect((await deliver({})).status).toBe(400);
    expect((await deliver({ activationId: "cnope", text: "1234" })).status).toBe(404);
    await sb.api(`/email-activations/${m.id}`, { method: "DELETE" });
    const ended = await deliver({ activationId: m.id, text: "1234" });
    expect(ended.status).toBe(409);
  });

  it("expire: EXPIRED + refund without a message, COMPLETED with one, 409 when ended, 404 unknown", async () => {
    await start();
    const a = await buy();
    const b = await buy();
    await deliver({ activationId: b.id, text: "code 99999" });
    expect((await expire(a.id)).body.status).toBe("EXPIRED");
    expect((await expire(b.id)).body.status).toBe("COMPLETED");
    expect((await expire(a.id)).status).toBe(409);
    expect((await expire("cnope")).status).toBe(404);
    const stats = await sb.control.stats();
    expect(stats).toMatchObject({ emailPurchases: 2, emailRefunds: 1, purchases: 0, refunds: 0 });
  });

  it("GET /sandbox/email-activations lists every mailbox newest first with a key hash, ?apiKey= filters", async () => {
    await start();
    await sb.control.account("other_key_12345", "5.00");
    const mine = await buy();
    const theirs = await buy("other_key_12345");
    const all = (await sb.raw("/sandbox/email-activations")).body.data as Json[];
    expect(all.map((m) => m.id)).toEqual([theirs.id, mine.id]);
    expect(all[0]).toMatchObject({ site: "telegram.com", domain: "gmx.com", status: "WAITING" });
    expect(all[0].account).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(all)).not.toContain("other_key_12345");
    const filtered = (await sb.raw("/sandbox/email-activations?apiKey=other_key_12345")).body.data as Json[];
    expect(filtered.map((m) => m.id)).toEqual([theirs.id]);
    expect((await sb.raw("/sandbox/email-activations?apiKey=unknown_key_1")).status).toBe(404);
  });

  it("resetting an account forgets its mailboxes", async () => {
    await start();
    const m = await buy();
    await sb.control.account(sb.apiKey, "10.00");
    expect((await sb.api(`/email-activations/${m.id}`)).status).toBe(404);
    expect((await sb.raw("/sandbox/email-activations")).body.data).toEqual([]);
  });

  it("PUT /sandbox/email-domains creates and changes offers; bad bodies are 400", async () => {
    await start();
    const created = await sb.raw("/sandbox/email-domains", {
      method: "PUT",
      json: { site: "example.org", domain: "proton.me", stock: 2 },
    });
    expect(created.body).toEqual({ site: "example.org", domain: "proton.me", price: "0.10", stock: 2 });
    const domains = (await sb.api("/email-activations/domains?site=example.org")).body;
    expect(domains).toEqual([{ name: "proton.me", price: 0.1, count: 2, currency: "USD" }]);
    const changed = await sb.raw("/sandbox/email-domains", {
      method: "PUT",
      json: { site: "example.org", domain: "proton.me", price: 0.5 },
    });
    expect(changed.body).toMatchObject({ price: "0.50", stock: 2 });
    for (const bad of [{ site: "example.org" }, { ...ORDER, price: "1.234" }, { ...ORDER, stock: -1 }]) {
      expect((await sb.raw("/sandbox/email-domains", { method: "PUT", json: bad })).status).toBe(400);
    }
  });

  it("GET /sandbox lists the email control routes", async () => {
    await start();
    const routes = (await sb.raw("/sandbox")).body.routes as string[];
    for (const r of [
      "POST /sandbox/email ",
      "GET  /sandbox/email-activations",
      "PUT  /sandbox/email-domains",
    ]) {
      expect(routes.some((line) => line.startsWith(r))).toBe(true);
    }
    expect(routes.some((line) => line.startsWith("POST /sandbox/email-activations/:id/expire"))).toBe(true);
  });
});
