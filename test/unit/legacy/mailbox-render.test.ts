import { describe, expect, it } from "vitest";
import {
  mailboxState,
  messageText,
  saDate,
  v1Domains,
  v1HistoryRow,
  v1Mailbox,
  v1Refusal,
  v2Error,
  v2Mailbox,
} from "../../../src/legacy/mailbox-render.js";
import type { EmailActivation } from "../../../src/upstream/email-schemas.js";

const waiting: EmailActivation = {
  id: "cmox8h7pmicm3mkczzwhdz0yd",
  status: "WAITING",
  site: "telegram.com",
  domain: "gmx.com",
  emailAddress: "k.weber4821@gmx.com",
  otpValue: null,
  userCost: "0.04",
  cancellableAt: null,
  expiresAt: null,
  receivedAt: null,
  createdAt: "2026-06-03T13:45:00Z",
  body: null,
};
const html =
  "<html><head><style>p{}</style></head><body><p>Your Telegram code is <b>58213</b></p><p>Tom &amp; Jerry&#33; &copy; 2026</p></body></html>";
const received: EmailActivation = { ...waiting, status: "RECEIVED", otpValue: "58213", body: html };

describe("mailbox states", () => {
  it.each([
    ["WAITING", null, null, "WAIT"],
    ["PENDING", null, null, "WAIT"],
    ["RECEIVED", "58213", html, "SUCCESS"],
    ["COMPLETED", "58213", null, "SUCCESS"],
    ["CANCELLED", null, null, "CANCEL"],
    ["EXPIRED", null, null, "CANCEL"],
    ["REFUNDED", null, null, "CANCEL"],
  ] as const)("%s (code %s) is %s", (status, otpValue, body, state) => {
    expect(mailboxState({ status, otpValue, body })).toBe(state);
  });
});

describe("the message as text", () => {
  it("drops tags and style, puts blocks on their own lines, decodes entities", () => {
    expect(messageText(received)).toBe("Your Telegram code is 58213\nTom & Jerry! © 2026");
  });

  it("is the code when the upstream sent no body, and empty without either", () => {
    expect(messageText({ otpValue: "1234", body: null })).toBe("1234");
    expect(messageText({ otpValue: null, body: null })).toBe("");
  });

  it("leaves an unknown entity as it is", () => {
    expect(messageText({ otpValue: null, body: "a &bogus; b &#99999999;" })).toBe("a &bogus; b &#99999999;");
  });
});

describe("V1 answers", () => {
  it("a waiting mailbox has no full_message key, so the client library keeps polling", () => {
    const answer = v1Mailbox(7, waiting);
    expect(answer).not.toHaveProperty("full_message");
    expect(answer).toMatchObject({
      id: 7,
      email: "k.weber4821@gmx.com",
      status: "WAIT",
      value: null,
      cost: 0.04,
    });
  });

  it("a history row has every key the library indexes, full_message null while waiting", () => {
    const row = v1HistoryRow(7, waiting);
    for (const key of ["id", "email", "site", "status", "value", "cost", "date", "full_message"])
      expect(row).toHaveProperty(key);
    expect(row.full_message).toBeNull();
  });

  it("a received one carries the code in value and the text in full_message", () => {
    expect(v1Mailbox(7, received)).toMatchObject({
      status: "SUCCESS",
      value: "58213",
      full_message: "Your Telegram code is 58213\nTom & Jerry! © 2026",
    });
  });

  it("lists every domain as popular, prices as numbers", () => {
    expect(v1Domains([{ name: "gmx.com", price: "0.04", count: 12, currency: "USD" }])).toEqual({
      zones: [],
      popular: [{ name: "gmx.com", cost: 0.04, count: 12 }],
    });
  });

  it("wraps a refusal in SA's error envelope, the domain error under V1's name", () => {
    expect(v1Refusal("BAD_KEY")).toEqual({ json: { status: "ERROR", error: "BAD_KEY" } });
    expect(v1Refusal("BAD_DOMAIN")).toEqual({ json: { status: "ERROR", error: "MAIL_TYPE_ERROR" } });
  });
});

describe("V2 answers", () => {
  it("an EmailActivation with the OpenAPI's required fields, USD as 840, SA's date", () => {
    expect(v2Mailbox(9, received)).toEqual({
      id: 9,
      site: "telegram.com",
      email: "k.weber4821@gmx.com",
      status: "SUCCESS",
      value: "58213",
      full_message: "Your Telegram code is 58213\nTom & Jerry! © 2026",
      cost: 0.04,
      currency: 840,
      date: "2026-06-03T13:45:00.000000Z",
    });
    expect(v2Mailbox(9, waiting).full_message).toBeNull();
  });

  it("errors carry a title the client library maps, with an HTTP status", () => {
    expect(v2Error("BAD_KEY")).toMatchObject({ status: 401, body: { title: "BAD_API_KEY" } });
    expect(v2Error("NO_KEY")).toMatchObject({ status: 401, body: { title: "MISSING_API_KEY" } });
    expect(v2Error("NO_ACTIVATION").status).toBe(404);
    expect(v2Error("BAD_BALANCE").body.title).toBe("BAD_BALANCE");
    expect(v2Error("VALIDATION_ERROR")).toMatchObject({
      status: 422,
      body: { errors: { count: expect.any(Array) } },
    });
    expect(v2Error("ERROR_SQL")).toMatchObject({ status: 503, body: { title: "SERVICE_UNAVAILABLE" } });
  });

  it("SA's date has microseconds, and an unreadable date is null", () => {
    expect(saDate("2025-03-06T11:04:07Z")).toBe("2025-03-06T11:04:07.000000Z");
    expect(saDate("garbage")).toBeNull();
    expect(saDate(null)).toBeNull();
  });
});
