import { describe, expect, it } from "vitest";
import { extractCode, generateSms } from "../../src/sandbox/sms.js";
import { mulberry32 } from "../helpers/random.js";

describe("sms", () => {
  it("generates 4–6 digit codes that appear in the text and are what extractCode finds", () => {
    const random = mulberry32(42);
    for (const [code, name] of [
      ["tg", "Telegram"],
      ["wa", "WhatsApp"],
      ["go", "Google"],
      ["ub", "Uber"],
      ["zz", "Something"],
    ] as const) {
      for (let i = 0; i < 50; i++) {
        const sms = generateSms(code, name, random);
        expect(sms.code).toMatch(/^[1-9]\d{3,5}$/);
        expect(sms.text).toContain(sms.code);
        expect(extractCode(sms.text)).toBe(sms.code);
      }
    }
  });

  it("names the service in the text", () => {
    expect(generateSms("ub", "Uber", () => 0).text).toMatch(/Uber/);
    expect(generateSms("tg", "Telegram", () => 0).text).toMatch(/^Telegram code: \d{5}/);
  });

  it.each([
    ["Your code is 1234", "1234"],
    ["G-654321 is your Google verification code.", "654321"],
    ["code 12 then 98765432 then 55555", "98765432"],
    ["ref 12-34, code 4821", "4821"],
    ["number 123456789 is too long, 4444 is it", "4444"],
    ["no code here", null],
  ])("extracts the first 4–8 digit run of %j", (text, code) => {
    expect(extractCode(text)).toBe(code);
  });
});
