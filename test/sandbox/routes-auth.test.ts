import { afterEach, describe, expect, it } from "vitest";
import { errorBodySchema } from "../../src/upstream/schemas.js";
import { DEMO_API_KEY, startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

describe("authentication and rate limiting", () => {
  let sb: TestSandbox;
  afterEach(() => sb.close());

  it("accepts x-api-key and Authorization: Bearer", async () => {
    sb = await startTestSandbox();
    const viaHeader = await sb.api("/wallet/balance");
    const viaBearer = await sb.api("/wallet/balance", {
      key: null,
      headers: { authorization: `Bearer ${DEMO_API_KEY}` },
    });
    expect(viaHeader.status).toBe(200);
    expect(viaBearer.status).toBe(200);
    expect(viaHeader.body).toEqual({ balance: "100.00", currency: "USD" });
    expect(viaBearer.body).toEqual(viaHeader.body);
  });

  it.each([
    ["no key", null, {}],
    ["an unknown key", "not-a-real-key-000", {}],
    ["a Basic authorization", null, { authorization: `Basic ${DEMO_API_KEY}` }],
  ])("answers 401 JSON for %s on every keyed route", async (_label, key, headers) => {
    sb = await startTestSandbox();
    const calls: [string, string][] = [
      ["GET", "/wallet/balance"],
      ["GET", "/wallet/transactions"],
      ["GET", "/activations"],
      ["POST", "/activations"],
      ["GET", "/activations/cabc"],
      ["DELETE", "/activations/cabc"],
      ["POST", "/activations/cabc/complete"],
      ["POST", "/activations/cabc/request-resend"],
    ];
    for (const [method, path] of calls) {
      const res = await sb.api(path, { method, key, headers });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(errorBodySchema.parse(res.body)).toMatchObject({ statusCode: 401, error: "Unauthorized" });
    }
  });

  it("answers 403 for a blocked key", async () => {
    sb = await startTestSandbox();
    await sb.control.account("blocked_key_1234", "5.00", { blocked: true });
    const res = await sb.api("/wallet/balance", { key: "blocked_key_1234" });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ statusCode: 403, error: "Forbidden" });
  });

  it("limits requests per key per second with 429 and Retry-After, other keys unaffected", async () => {
    sb = await startTestSandbox({ config: { rateLimitPerS: 3 } });
    await sb.control.account("other_key_12345", "1.00");
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await sb.api("/wallet/balance")).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await sb.api("/wallet/balance");
    expect(limited.body).toMatchObject({ statusCode: 429, error: "Too Many Requests" });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await sb.api("/wallet/balance", { key: "other_key_12345" })).status).toBe(200);
    // Public catalogue and control routes are not limited.
    expect((await sb.api("/countries", { key: null })).status).toBe(200);
    sb.advance(1000);
    expect((await sb.api("/wallet/balance")).status).toBe(200);
  });
});
