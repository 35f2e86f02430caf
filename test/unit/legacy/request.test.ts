import { describe, expect, it } from "vitest";
import { isTrue, mergeParams, parseUrlEncoded, queryStringOf } from "../../../src/legacy/request.js";

describe("parseUrlEncoded", () => {
  it("decodes percent-encoding and plus as space", () => {
    const p = parseUrlEncoded("api_key=a%2Bb&text=hello+world&x=%D1%82%D0%B5%D1%81%D1%82");
    expect(p.get("api_key")).toBe("a+b");
    expect(p.get("text")).toBe("hello world");
    expect(p.get("x")).toBe("тест");
  });

  it("trims parameter names but not values", () => {
    const p = parseUrlEncoded("country%20=62&%20service=tg&id=%201");
    expect(p.get("country")).toBe("62");
    expect(p.get("service")).toBe("tg");
    expect(p.get("id")).toBe(" 1");
  });

  it("keeps the first occurrence of a repeated name", () => {
    expect(parseUrlEncoded("action=getBalance&action=getNothing").get("action")).toBe("getBalance");
  });

  it("drops empty, undefined and null values before choosing the first", () => {
    const p = parseUrlEncoded("country=undefined&country=62&operator=null&maxPrice=&maxPrice=1.5&ref=");
    expect(p.get("country")).toBe("62");
    expect(p.has("operator")).toBe(false);
    expect(p.get("maxPrice")).toBe("1.5");
    expect(p.has("ref")).toBe(false);
  });

  it("keeps names case-sensitive and bracketed names distinct", () => {
    const p = parseUrlEncoded("Action=x&key[]=1&key=2");
    expect(p.has("action")).toBe(false);
    expect(p.get("Action")).toBe("x");
    expect(p.get("key[]")).toBe("1");
    expect(p.get("key")).toBe("2");
  });

  it("tolerates malformed percent sequences and empty input", () => {
    expect(parseUrlEncoded("").size).toBe(0);
    expect(parseUrlEncoded("a=%zz&b=%").get("a")).toBe("%zz");
    expect(parseUrlEncoded("&&=x&a").size).toBe(0);
  });
});

describe("mergeParams", () => {
  it("lets the body win over the query", () => {
    const merged = mergeParams(parseUrlEncoded("api_key=q&action=getBalance"), parseUrlEncoded("api_key=b"));
    expect(merged.get("api_key")).toBe("b");
    expect(merged.get("action")).toBe("getBalance");
  });

  it("does not let an absent body value erase a query value", () => {
    const merged = mergeParams(parseUrlEncoded("country=62"), parseUrlEncoded("country=undefined"));
    expect(merged.get("country")).toBe("62");
  });
});

describe("queryStringOf", () => {
  it("takes what is between ? and #", () => {
    expect(queryStringOf("http://h/p?a=1&b=2#frag")).toBe("a=1&b=2");
    expect(queryStringOf("http://h/p")).toBe("");
    expect(queryStringOf("/p?")).toBe("");
  });
});

describe("isTrue", () => {
  it.each([
    ["1", true],
    ["true", true],
    ["True", true],
    ["TRUE", true],
    ["0", false],
    ["false", false],
    ["yes", false],
    [undefined, false],
  ])("%s → %s", (value, expected) => {
    expect(isTrue(value)).toBe(expected);
  });
});
