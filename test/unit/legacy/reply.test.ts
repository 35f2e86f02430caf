import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { acceptsGzip, answerBody, answerToken, renderAnswer } from "../../../src/legacy/reply.js";

describe("renderAnswer", () => {
  it("answers a token with 200, text/plain, nosniff and no trailing newline", async () => {
    const res = renderAnswer("ACCESS_BALANCE:12.00", undefined);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await res.text()).toBe("ACCESS_BALANCE:12.00");
  });

  it("sends JSON as text/plain too", async () => {
    const res = renderAnswer(answerBody({ json: { status: "success", n: 1 } }), null);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await res.text()).toBe('{"status":"success","n":1}');
  });

  it("gzips even a two-byte body when gzip is accepted", async () => {
    const res = renderAnswer("OK", "gzip, json");
    expect(res.headers.get("content-encoding")).toBe("gzip");
    const raw = Buffer.from(await res.arrayBuffer());
    expect(raw.subarray(0, 2).toString("hex")).toBe("1f8b");
    expect(gunzipSync(raw).toString()).toBe("OK");
  });

  it("never uses deflate or br", () => {
    expect(renderAnswer("OK", "deflate, br").headers.get("content-encoding")).toBeNull();
  });
});

describe("acceptsGzip", () => {
  it.each([
    ["gzip", true],
    ["gzip, json", true],
    ["deflate, gzip;q=0.5", true],
    ["GZIP", true],
    ["gzip;q=0", false],
    ["x-gzip", false],
    ["br", false],
    ["", false],
  ])("%s → %s", (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});

describe("answerToken", () => {
  it("takes the word before the first colon", () => {
    expect(answerToken("ACCESS_NUMBER:1:7999")).toBe("ACCESS_NUMBER");
    expect(answerToken("NO_NUMBERS")).toBe("NO_NUMBERS");
    expect(answerToken({ json: {} })).toBe("JSON");
  });
});
