import { describe, expect, it } from "vitest";
import { usePair } from "../helpers/gateway.js";
import { startHarness } from "../helpers/harness.js";

/**
 * Bad input on both email APIs gets a clean protocol error and buys nothing: V1 answers HTTP 200
 * with SA's JSON error envelope, V2 a `{title, details}` body with its HTTP status. Never a 500,
 * never a stack trace.
 */
const pair = usePair(() =>
  startHarness({ sandbox: { config: { autoSms: false, emailAddressDelayMs: 0, cancelCooldownS: 0 } } }),
);
const SITE = "telegram.com";

async function v1(params: Record<string, string>, withKey = true) {
  const res = await pair.gw.request({ ...(withKey && { api_key: pair.key }), ...params });
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(text).not.toMatch(/at .*\.ts:\d+|Error:/);
  return JSON.parse(text) as { status: string; error?: string; response?: Record<string, unknown> };
}

async function v2(
  method: string,
  path: string,
  opts: { key?: string | null; json?: unknown; body?: string } = {},
) {
  const headers: Record<string, string> = {};
  if (opts.key !== null) headers["x-api-key"] = opts.key ?? pair.key;
  let body = opts.body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers["content-type"] = "application/json";
  }
  const res = await pair.gw.fetch(`/api/v2${path}`, { method, headers, ...(body !== undefined && { body }) });
  const text = await res.text();
  expect(text).not.toMatch(/at .*\.ts:\d+/);
  return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
}

const emailPurchases = async () => (await pair.sb.control.stats()).emailPurchases;

async function aDomain(): Promise<string> {
  const domains = await v1({ action: "getDomains", site: SITE });
  const popular = domains.response?.popular as { name: string; count: number }[];
  return popular.find((d) => d.count > 0)!.name;
}

describe("V1 bad input", () => {
  it.each([
    [{ action: "getDomains" }, "BAD_SITE"],
    [{ action: "getDomains", site: "no-such-site.example" }, "BAD_SITE"],
    [{ action: "getDomains", site: "x".repeat(5000) }, "BAD_SITE"],
    [{ action: "getDomains", site: "<script>" }, "BAD_SITE"],
    [{ action: "buyMailActivation", mail_domain: "gmx.com" }, "BAD_SITE"],
    [{ action: "buyMailActivation", site: SITE }, "MAIL_TYPE_ERROR"],
    [{ action: "buyMailActivation", site: SITE, mail_domain: "nowhere.invalid" }, "MAIL_TYPE_ERROR"],
    [{ action: "checkMailActivation" }, "NO_ACTIVATION"],
    [{ action: "checkMailActivation", id: "abc" }, "NO_ACTIVATION"],
    [{ action: "checkMailActivation", id: "-1" }, "NO_ACTIVATION"],
    [{ action: "checkMailActivation", id: "99999999999999999999" }, "NO_ACTIVATION"],
    [{ action: "reorderMailActivation", id: "123456" }, "NO_ACTIVATION"],
    [{ action: "cancelMailActivation", id: "1.5" }, "NO_ACTIVATION"],
  ])("%o → %s, nothing bought", async (params, error) => {
    const before = await emailPurchases();
    expect(await v1(params)).toEqual({ status: "ERROR", error });
    expect(await emailPurchases()).toBe(before);
  });

  it("no key and an unknown key get SA's key errors in the envelope", async () => {
    expect(await v1({ action: "getDomains", site: SITE }, false)).toEqual({
      status: "ERROR",
      error: "NO_KEY",
    });
    expect(
      await v1({ action: "getDomains", site: SITE, api_key: "not-a-key-000000000000000" }, false),
    ).toEqual({
      status: "ERROR",
      error: "BAD_KEY",
    });
  });

  it("history with garbage paging still answers a list", async () => {
    const answer = await v1({ action: "getMailHistory", page: "-3", per_page: "1e9", sort: "sideways" });
    expect(answer.status).toBe("OK");
    expect(Array.isArray(answer.response?.list)).toBe(true);
  });
});

describe("V2 bad input", () => {
  it.each([
    ["GET", "/emails/domains", undefined, 400, "BAD_SITE"],
    ["GET", "/domains?site=no-such-site.example", undefined, 400, "BAD_SITE"],
    ["POST", "/emails", { site: SITE }, 400, "BAD_DOMAIN"],
    ["POST", "/emails", { mailDomain: "gmx.com" }, 400, "BAD_SITE"],
    ["POST", "/emails?site=telegram.com&mailDomain=nowhere.invalid", undefined, 400, "BAD_DOMAIN"],
    ["POST", "/emails/batch", { site: SITE, mailDomain: "gmx.com", count: 11 }, 422, "VALIDATION_ERROR"],
    ["POST", "/emails/batch", { site: SITE, mailDomain: "gmx.com", count: "many" }, 422, "VALIDATION_ERROR"],
    ["GET", "/emails/abc", undefined, 404, "NO_ACTIVATION"],
    ["GET", "/emails/123456", undefined, 404, "NO_ACTIVATION"],
    ["DELETE", "/emails/123456", undefined, 404, "NO_ACTIVATION"],
    ["POST", "/emails/123456/reorder", undefined, 404, "NO_ACTIVATION"],
  ] as const)("%s %s %o → %i %s, nothing bought", async (method, path, json, status, title) => {
    const before = await emailPurchases();
    const answer = await v2(method, path, { ...(json !== undefined && { json }) });
    expect(answer).toMatchObject({ status, body: { title } });
    expect(typeof answer.body.details).toBe("string");
    expect(await emailPurchases()).toBe(before);
  });

  it("a body that is not JSON is a missing site, not a crash", async () => {
    const answer = await v2("POST", "/emails", { body: "{not json", key: pair.key });
    expect(answer).toMatchObject({ status: 400, body: { title: "BAD_SITE" } });
  });

  it("no key and an unknown key are 401 with the OpenAPI's titles", async () => {
    expect(await v2("GET", `/domains?site=${SITE}`, { key: null })).toMatchObject({
      status: 401,
      body: { title: "MISSING_API_KEY" },
    });
    expect(await v2("GET", `/domains?site=${SITE}`, { key: "not-a-key-000000000000000" })).toMatchObject({
      status: 401,
      body: { title: "BAD_API_KEY" },
    });
  });

  it("a wrong method is 405 and an unknown path 404, both JSON", async () => {
    expect(await v2("PUT", "/emails/1")).toMatchObject({
      status: 405,
      body: { title: "METHOD_NOT_ALLOWED" },
    });
    expect(await v2("PATCH", "/emails")).toMatchObject({ status: 405 });
    expect(await v2("GET", "/nothing/here")).toMatchObject({ status: 404, body: { title: "NOT_FOUND" } });
  });

  it("a batch buys each mailbox on its own and answers those bought", async () => {
    const domain = await aDomain();
    const before = await emailPurchases();
    const answer = await v2("POST", "/emails/batch", { json: { site: SITE, mailDomain: domain, count: 3 } });
    expect(answer.status).toBe(201);
    const bought = answer.body.data as { id: number; email: string }[];
    expect(bought).toHaveLength(3);
    expect(new Set(bought.map((m) => m.id)).size).toBe(3);
    expect(await emailPurchases()).toBe(before + 3);
  });
});
