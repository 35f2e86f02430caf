import { describe, expect, it } from "vitest";
import { renderFullSms, renderStatusV2 } from "../../../src/legacy/status-render.js";
import { nativeActivation } from "../../helpers/native-activation.js";

// docs/legacy-protocol.md §4 "getStatusV2", §4a (value types) and §5 (states).
const CREATED = "2026-11-29T04:05:53Z";
const RECEIVED_AT = "2026-11-29T04:06:40.250Z";
const TEXT = "Your Telegram code is 96197";

const received = nativeActivation({
  status: "RECEIVED",
  smsCode: "96197",
  smsText: TEXT,
  createdAt: CREATED,
  receivedAt: RECEIVED_AT,
});

describe("renderStatusV2", () => {
  it.each([
    ["PENDING", null],
    ["WAITING", null],
    ["WAITING", "11111"], // waiting for a retry code: the new code has not come
  ])("%s with code %s: sms and call are null", (status, smsCode) => {
    const answer = renderStatusV2(nativeActivation({ status, smsCode, createdAt: CREATED }));
    expect(JSON.stringify(answer)).toBe('{"json":{"verificationType":0,"sms":null,"call":null}}');
  });

  it("a received code: sms carries the time received (UTC, seconds), the code and the full text", () => {
    expect(renderStatusV2(received)).toEqual({
      json: {
        verificationType: 0,
        sms: { dateTime: "2026-11-29 04:06:40", code: "96197", text: TEXT },
        call: null,
      },
    });
  });

  it("keeps the documented key order: verificationType, sms{dateTime, code, text}, call", () => {
    expect(JSON.stringify(renderStatusV2(received))).toBe(
      `{"json":{"verificationType":0,"sms":{"dateTime":"2026-11-29 04:06:40","code":"96197","text":"${TEXT}"},"call":null}}`,
    );
  });

  it("a completed activation still shows its code", () => {
    const answer = renderStatusV2({ ...received, status: "COMPLETED" });
    expect(answer).toMatchObject({ json: { sms: { code: "96197", text: TEXT } } });
  });

  it("a second SMS after a resend replaces the first", () => {
    const again = { ...received, smsCode: "55555", smsText: "Your Telegram code is 55555" };
    expect(renderStatusV2(again)).toMatchObject({
      json: { sms: { code: "55555", text: "Your Telegram code is 55555" } },
    });
  });

  it("without a text the code is the text; without receivedAt the time is createdAt, without both empty", () => {
    const bare = nativeActivation({ status: "RECEIVED", smsCode: "96197", createdAt: CREATED });
    expect(renderStatusV2(bare)).toMatchObject({
      json: { sms: { dateTime: "2026-11-29 04:05:53", code: "96197", text: "96197" } },
    });
    const timeless = nativeActivation({ status: "RECEIVED", smsCode: "96197", smsText: null });
    expect(renderStatusV2(timeless)).toMatchObject({ json: { sms: { dateTime: "", text: "96197" } } });
  });

  it("passes the SMS text through unchanged, colons and line breaks included (§1 error words)", () => {
    const text = "Code: 96197\nDo not share: STATUS_CANCEL";
    expect(renderStatusV2({ ...received, smsText: text })).toMatchObject({ json: { sms: { text } } });
  });

  it.each([
    ["CANCELLED", null],
    ["EXPIRED", null],
    ["REFUNDED", null],
    ["COMPLETED", null], // completed without a code was a cancel
  ])("%s (code %s) is STATUS_CANCEL", (status, smsCode) => {
    expect(renderStatusV2(nativeActivation({ status, smsCode }))).toBe("STATUS_CANCEL");
  });

  it.each([
    ["RECEIVED", null],
    ["SOMETHING_NEW", "1"],
  ])("%s (code %s) is ERROR_SQL", (status, smsCode) => {
    expect(renderStatusV2(nativeActivation({ status, smsCode }))).toBe("ERROR_SQL");
  });
});

describe("renderFullSms", () => {
  it("a received or completed code: FULL_SMS with the full text, its colons kept", () => {
    const text = "Your WhatsApp code: 123-456. Don't share it";
    expect(renderFullSms({ ...received, smsText: text })).toBe(`FULL_SMS:${text}`);
    expect(renderFullSms({ ...received, status: "COMPLETED", smsText: text })).toBe(`FULL_SMS:${text}`);
  });

  it("flattens each run of line breaks to one space", () => {
    expect(renderFullSms({ ...received, smsText: "Code 96197\r\n\r\nfrom Telegram\nbye" })).toBe(
      "FULL_SMS:Code 96197 from Telegram bye",
    );
  });

  it("without a text, the code", () => {
    expect(renderFullSms({ ...received, smsText: undefined })).toBe("FULL_SMS:96197");
  });

  it.each([
    ["WAITING", null, "STATUS_WAIT_CODE"],
    ["PENDING", null, "STATUS_WAIT_CODE"],
    ["WAITING", "11111", "STATUS_WAIT_CODE"], // also while waiting for a retry code
    ["CANCELLED", null, "STATUS_CANCEL"],
    ["EXPIRED", null, "STATUS_CANCEL"],
    ["COMPLETED", null, "STATUS_CANCEL"],
    ["RECEIVED", null, "ERROR_SQL"],
    ["SOMETHING_NEW", null, "ERROR_SQL"],
  ])("%s (code %s) → %s", (status, smsCode, token) => {
    expect(renderFullSms(nativeActivation({ status, smsCode, smsText: "ignored" }))).toBe(token);
  });
});
