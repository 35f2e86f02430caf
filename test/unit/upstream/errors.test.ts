import { describe, expect, it } from "vitest";
import { failureToken } from "../../../src/legacy/failure-tokens.js";
import { classifyHttpFailure, UpstreamError } from "../../../src/upstream/errors.js";

const nest = (statusCode: number, message: string | string[]) =>
  JSON.stringify({ statusCode, message, error: "x" });

describe("classifyHttpFailure", () => {
  it("tells a JSON 503 (out of stock) from a bare 503 (outage)", () => {
    expect(classifyHttpFailure(503, nest(503, "No numbers available")).kind).toBe("out_of_stock");
    expect(classifyHttpFailure(503, "<html>Service Temporarily Unavailable</html>").kind).toBe("unavailable");
    expect(classifyHttpFailure(503, "").ambiguous).toBe(true);
  });

  it("reads 400 balance messages as insufficient balance, other 400s as rejected", () => {
    expect(classifyHttpFailure(400, nest(400, "Insufficient balance")).kind).toBe("insufficient_balance");
    const v = classifyHttpFailure(400, nest(400, ["countryIso must be a string"]));
    expect(v.kind).toBe("rejected");
    expect(v.detail.field).toBe("country");
  });

  it.each([
    [401, "unauthorized"],
    [403, "unauthorized"],
    [404, "not_found"],
    [409, "conflict"],
    [422, "rejected"],
    [500, "unavailable"],
    [502, "unavailable"],
  ])("HTTP %s → %s", (status, kind) => {
    expect(classifyHttpFailure(status, nest(status, "x")).kind).toBe(kind);
  });

  it("keeps Retry-After of a 429", () => {
    const e = classifyHttpFailure(429, nest(429, "slow down"), "7");
    expect(e.kind).toBe("rate_limited");
    expect(e.detail.retryAfterS).toBe(7);
  });
});

// legacy-protocol.md §6b
describe("failure → legacy token", () => {
  const err = (kind: UpstreamError["kind"], field?: "service" | "country") =>
    new UpstreamError(kind, "x", field ? { field } : {});
  it.each([
    ["unauthorized", "purchase", "BAD_KEY"],
    ["unauthorized", "activation", "BAD_KEY"],
    ["unauthorized", "account", "BAD_KEY"],
    ["insufficient_balance", "purchase", "NO_BALANCE"],
    ["not_found", "purchase", "BAD_SERVICE"],
    ["not_found", "activation", "NO_ACTIVATION"],
    ["not_found", "account", "ERROR_SQL"],
    ["out_of_stock", "purchase", "NO_NUMBERS"],
    ["out_of_stock", "activation", "ERROR_SQL"],
    ["rate_limited", "purchase", "ERROR_SQL"],
    ["unavailable", "purchase", "ERROR_SQL"],
    ["timeout", "activation", "ERROR_SQL"],
    ["invalid_response", "account", "ERROR_SQL"],
  ] as const)("%s in a %s action → %s", (kind, group, token) => {
    expect(failureToken(err(kind), group)).toBe(token);
  });

  it("maps validation errors on the country to BAD_COUNTRY", () => {
    expect(failureToken(err("rejected", "country"), "purchase")).toBe("BAD_COUNTRY");
    expect(failureToken(err("rejected", "service"), "purchase")).toBe("BAD_SERVICE");
  });

  it("answers ERROR_SQL for anything that is not an upstream error", () => {
    expect(failureToken(new Error("boom"), "purchase")).toBe("ERROR_SQL");
  });
});

describe("UpstreamError.transient", () => {
  it("is true for an outage, a timeout and a 429; false for a refused key, a stockout or a bad answer", () => {
    expect(classifyHttpFailure(502, "").transient).toBe(true);
    expect(classifyHttpFailure(503, "<html>Service Temporarily Unavailable</html>").transient).toBe(true);
    expect(classifyHttpFailure(429, nest(429, "Too Many Requests")).transient).toBe(true);
    expect(new UpstreamError("timeout", "deadline passed").transient).toBe(true);
    expect(classifyHttpFailure(401, nest(401, "Invalid API key")).transient).toBe(false);
    expect(classifyHttpFailure(503, nest(503, "No numbers available")).transient).toBe(false);
    expect(new UpstreamError("invalid_response", "schema").transient).toBe(false);
  });
});
