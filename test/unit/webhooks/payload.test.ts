import { describe, expect, it } from "vitest";
import type { ActivationEvent } from "../../../src/events.js";
import { loadCountryTable } from "../../../src/fixtures.js";
import { retryDelayMs } from "../../../src/webhooks/backoff.js";
import { deliveryOf } from "../../../src/webhooks/payload.js";
import { signWebhook, verifyWebhook } from "../../../src/webhooks/signature.js";
import { mulberry32 as seededRandom } from "../../helpers/random.js";

const countries = loadCountryTable();
const AT = Date.parse("2026-06-03T13:47:12Z");

function event(over: Partial<ActivationEvent["activation"]> = {}, countryId?: number): ActivationEvent {
  return {
    at: AT,
    owner: "o".repeat(40),
    numericId: 123,
    countryId,
    activation: {
      id: "clx0upstream0000000000001",
      phoneNumber: "905550000000",
      status: "RECEIVED",
      serviceCode: "tg",
      countryIso: "TR",
      userCost: "0.50",
      smsCode: "48213",
      smsText: "Your code is 48213",
      receivedAt: "2026-06-03T13:47:10Z",
      ...over,
    },
  };
}

describe("webhook payload", () => {
  it("is SMS-Activate's activation webhook, in its key order", () => {
    const delivery = deliveryOf(event({}, 62), countries)!;
    expect(delivery.payload).toBe(
      '{"activationId":123,"service":"tg","text":"Your code is 48213","code":"48213","country":62,"receivedAt":"2026-06-03 13:47:10"}',
    );
    expect(delivery).toMatchObject({
      owner: "o".repeat(40),
      upstreamId: "clx0upstream0000000000001",
      createdAt: AT,
    });
    expect(delivery.deliveryId).toMatch(/^wh_[0-9a-f]{32}$/);
  });

  it("keeps the country id it was bought with (12), else maps the ISO code back (US → 187)", () => {
    const json = (e: ActivationEvent) => JSON.parse(deliveryOf(e, countries)!.payload);
    expect(json(event({ countryIso: "US" }, 12)).country).toBe(12);
    expect(json(event({ countryIso: "US" })).country).toBe(187);
    expect(json(event({ countryIso: "ZZ" })).country).toBeNull();
  });

  it("is one delivery per code received: the same code is the same id, a resent code another", () => {
    const first = deliveryOf(event(), countries)!;
    expect(deliveryOf({ ...event({ status: "COMPLETED" }), at: AT + 60_000 }, countries)!.deliveryId).toBe(
      first.deliveryId,
    );
    // waiting for the retry code, the old code still shows: the same delivery
    expect(deliveryOf(event({ status: "WAITING" }), countries)!.deliveryId).toBe(first.deliveryId);
    const second = deliveryOf(event({ smsCode: "77120", receivedAt: "2026-06-03T13:49:02Z" }), countries)!;
    expect(second.deliveryId).not.toBe(first.deliveryId);
    expect(
      deliveryOf(event({ smsCode: null, smsText: null, receivedAt: null, status: "WAITING" }), countries),
    ).toBe(undefined);
  });

  it("uses the code as text when the upstream gives none, and the time learnt when it gives no time", () => {
    const json = JSON.parse(deliveryOf(event({ smsText: null, receivedAt: null }), countries)!.payload);
    expect(json).toMatchObject({ text: "48213", code: "48213", receivedAt: "2026-06-03 13:47:12" });
  });
});

describe("webhook signature", () => {
  const secret = "whsec_0123456789abcdef";
  const body = '{"activationId":1,"code":"48213"}';

  it("is HMAC-SHA256 of `<timestamp>.<body>` (the value Python's hmac computes)", () => {
    expect(signWebhook(secret, 1780494430, body)).toBe(
      "sha256=5dc2a9008a5b1cecd7fb6c6b103cd76d2641e87d70a28e2eb3a9d3808a3135f8",
    );
  });

  it("verifies the right body, secret and a recent timestamp only", () => {
    const signature = signWebhook(secret, 1780494430, body);
    const request = { timestamp: "1780494430", signature, body };
    expect(verifyWebhook(secret, request, 1780494430 + 299)).toBe(true);
    expect(verifyWebhook(secret, request, 1780494430 + 301)).toBe(false);
    expect(verifyWebhook(`${secret}x`, request, 1780494430)).toBe(false);
    expect(verifyWebhook(secret, { ...request, body: `${body} ` }, 1780494430)).toBe(false);
    expect(verifyWebhook(secret, { ...request, timestamp: "1780494431" }, 1780494430)).toBe(false);
    expect(verifyWebhook(secret, { ...request, signature: undefined }, 1780494430)).toBe(false);
    expect(verifyWebhook(secret, { ...request, timestamp: "1e9" }, 1780494430)).toBe(false);
  });
});

describe("retry back-off", () => {
  const schedule = [10, 60, 300, 1800, 7200];

  it("follows the schedule ±10 %, then gives up", () => {
    const random = seededRandom(5);
    for (let round = 0; round < 200; round++) {
      schedule.forEach((seconds, i) => {
        const delay = retryDelayMs(schedule, i + 1, random)!;
        expect(delay).toBeGreaterThanOrEqual(seconds * 900);
        expect(delay).toBeLessThanOrEqual(seconds * 1100);
      });
      expect(retryDelayMs(schedule, schedule.length + 1, random)).toBeUndefined();
    }
    expect(retryDelayMs(schedule, 1, () => 0.5)).toBe(10_000);
    expect(retryDelayMs([], 1, () => 0.5)).toBeUndefined();
  });
});
