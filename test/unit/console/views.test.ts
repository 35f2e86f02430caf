import { describe, expect, it } from "vitest";
import { KeysSeen } from "../../../src/console/keys-seen.js";
import { isLoopbackAddress, isLoopbackHost } from "../../../src/console/loopback.js";
import { tokenClass } from "../../../src/console/token-class.js";
import { requestRow, summarize } from "../../../src/console/views.js";

describe("token classes", () => {
  it.each([
    ["ACCESS_NUMBER", "ACCESS_NUMBER:1:905012345678", "success"],
    ["STATUS_OK", "STATUS_OK:12345", "success"],
    ["STATUS_CANCEL", "STATUS_CANCEL", "success"],
    ["NO_ACTIVATIONS", "NO_ACTIVATIONS", "success"],
    ["JSON", '{"activationId":"1"}', "success"],
    ["JSON", '{"status":"error","message":"BAD_ACTION"}', "protocol"],
    ["BAD_KEY", "BAD_KEY", "protocol"],
    ["NO_NUMBERS", "NO_NUMBERS", "protocol"],
    ["WRONG_MAX_PRICE", "WRONG_MAX_PRICE:0.5", "protocol"],
    ["ERROR_SQL", "ERROR_SQL", "upstream"],
  ])("%s (%s) is %s", (token, answer, cls) => {
    expect(tokenClass(token, answer)).toBe(cls);
  });
});

describe("answer summaries", () => {
  it("short text as it is, long text as its token, JSON in a few words", () => {
    expect(summarize("STATUS_OK", "STATUS_OK:12345")).toBe("STATUS_OK:12345");
    expect(summarize("FULL_SMS", `FULL_SMS:${"x".repeat(100)}`)).toBe("FULL_SMS");
    expect(summarize("JSON", '{"status":"success","activeActivations":[{},{},{}]}')).toBe(
      "{status: success, activeActivations: [3]}",
    );
    expect(summarize("JSON", "[1,2]")).toBe("[2 items]");
    expect(summarize("JSON", '{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6}')).toBe("{a: 1, b: 2, c: 3, d: 4, +2}");
    expect(summarize("JSON", '{"cut":"…')).toBe("JSON (9 chars)");
  });
});

describe("request rows", () => {
  it("split routes, name the key by label or owner prefix, say where a call-less answer came from", () => {
    const keys = new KeysSeen();
    const owner = "0123456789abcdef".repeat(2).slice(0, 40);
    const base = {
      at: 1,
      reqId: "r1",
      owner,
      action: "getStatus",
      params: { action: "getStatus", id: "1" },
      answer: "STATUS_WAIT_CODE",
      token: "STATUS_WAIT_CODE",
      ms: 1.234,
    };
    const row = requestRow(
      5,
      { ...base, calls: [{ route: "GET /activations/:id", status: 200, outcome: "ok", ms: 3.21 }] },
      keys,
    );
    expect(row).toMatchObject({
      seq: 5,
      who: "01234567",
      key: "0123456789ab",
      calls: [{ method: "GET", route: "/activations/:id", status: 200, outcome: "ok", ms: 3.2 }],
      source: null,
      class: "success",
      ms: 1.2,
    });
    expect(requestRow(6, { ...base, calls: [], source: "tracker", who: "bot A" }, keys)).toMatchObject({
      who: "bot A",
      source: "tracker",
    });
    expect(requestRow(7, { ...base, calls: [] }, keys).source).toBe("cache");
    expect(
      requestRow(8, { ...base, calls: [], token: "NO_ACTIVATION", answer: "NO_ACTIVATION" }, keys).source,
    ).toBeNull();
    // a write the gateway held back itself (a 429 back-off) names no source, whatever it read first
    const refused = { ...base, calls: [], source: "tracker", refused: "rate limited", token: "ERROR_SQL" };
    expect(requestRow(9, refused, keys)).toMatchObject({ source: null, refused: "rate limited" });
    expect(requestRow(10, { ...base, calls: [] }, keys).refused).toBeNull();
  });
});

describe("loopback", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.255.0.9", true],
    ["::1", true],
    ["::ffff:127.0.0.1", true],
    ["10.0.0.1", false],
    ["::ffff:10.0.0.1", false],
    ["203.0.113.7", false],
    ["1270.0.0.1", false],
    ["", false],
    [undefined, false],
  ])("address %s → %s", (address, loopback) => {
    expect(isLoopbackAddress(address)).toBe(loopback);
  });
  it("host names: localhost and loopback addresses only", () => {
    expect(isLoopbackHost("localhost")).toBe(true);
    expect(isLoopbackHost("127.0.0.1")).toBe(true);
    expect(isLoopbackHost("[::1]")).toBe(true);
    expect(isLoopbackHost("gateway.internal")).toBe(false);
    expect(isLoopbackHost("127.0.0.1.nip.io")).toBe(false);
  });
});
