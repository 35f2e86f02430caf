import { describe, expect, it } from "vitest";
import { isSecretValue, scrubUrl, shownParams } from "../../../src/common/secret-values.js";

describe("isSecretValue", () => {
  it("is true for 24+ characters of [A-Za-z0-9_-] mixing letters and digits", () => {
    expect(isSecretValue("0123456789abcdef0123456789abcdef")).toBe(true);
    expect(isSecretValue("a1_b2-c3d4e5f6g7h8i9j0k1")).toBe(true);
    expect(isSecretValue("a1b2c3d4e5f6g7h8i9j0k1l")).toBe(false); // 23
    expect(isSecretValue("abcdefghijklmnopqrstuvwxyz")).toBe(false); // no digit
    expect(isSecretValue("123456789012345678901234567")).toBe(false); // no letter
    expect(isSecretValue("0123456789abcdef 0123456789abcdef")).toBe(false);
  });

  it("is true for a value the gateway knows as a key, and asks only about values long enough to be one", () => {
    const asked: string[] = [];
    const known = (v: string) => {
      asked.push(v);
      return v === "plain.key!";
    };
    expect(isSecretValue("plain.key!", known)).toBe(true);
    expect(isSecretValue("other.value", known)).toBe(false);
    expect(isSecretValue("getNumber", known)).toBe(false);
    expect(isSecretValue("tg", known)).toBe(false);
    expect(asked).toEqual(["plain.key!", "other.value", "getNumber"]);
  });
});

describe("shownParams", () => {
  it("drops key-named parameters and masks secret values under any other name", () => {
    const key = "0123456789abcdef0123456789abcdef";
    const shown = shownParams(
      new Map([
        ["api_key", key],
        ["action", "getBalance"],
        ["token", key],
        ["secret", "plain.key!"],
        ["id", "123456789"],
      ]),
      (v) => v === "plain.key!",
    );
    expect(shown).toEqual({
      action: "getBalance",
      token: "[redacted]",
      secret: "[redacted]",
      id: "123456789",
    });
  });
});

describe("scrubUrl", () => {
  const key = "0123456789abcdef0123456789abcdef";

  it("redacts key-named parameters, and key-shaped or known values under any name", () => {
    expect(scrubUrl(`/h?api_key=short&action=getBalance`)).toBe("/h?api_key=[redacted]&action=getBalance");
    expect(scrubUrl(`/h?action=getBalance&token=${key}&secret=${key}#x`)).toBe(
      "/h?action=getBalance&token=[redacted]&secret=[redacted]#x",
    );
    expect(scrubUrl("/h?pass=plain.key%21&id=12", (v) => v === "plain.key!")).toBe(
      "/h?pass=[redacted]&id=12",
    );
    expect(scrubUrl("/h?bad=%E0%A4%A&service=tg")).toBe("/h?bad=%E0%A4%A&service=tg");
  });
});
