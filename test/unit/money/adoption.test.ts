import { describe, expect, it } from "vitest";
import {
  type AdoptionFacts,
  matchingActivations,
  mayAdopt,
  purchaseWindowMs,
} from "../../../src/money/adoption.js";
import type { Activation } from "../../../src/upstream/schemas.js";

const at = (id: string, createdAt: string, serviceCode = "tg", countryIso = "TR"): Activation => ({
  id,
  phoneNumber: "905550000000",
  status: "WAITING",
  userCost: "0.50",
  serviceCode,
  countryIso,
  createdAt,
});

describe("matchingActivations", () => {
  const since = Date.parse("2026-06-03T13:45:00Z");
  const until = Date.parse("2026-06-03T13:45:10Z");
  const order = { serviceCode: "tg", countryIso: "TR" };

  it("keeps activations of the same service and country created inside the window, in page order", () => {
    const page = [
      at("after", "2026-06-03T13:45:11Z"),
      at("last", "2026-06-03T13:45:10Z"),
      at("other-service", "2026-06-03T13:45:05Z", "wa"),
      at("other-country", "2026-06-03T13:45:05Z", "tg", "GB"),
      at("lowercase-iso", "2026-06-03T13:45:05Z", "tg", "tr"),
      at("first", "2026-06-03T13:45:00Z"),
      at("before", "2026-06-03T13:44:59Z"),
    ];
    expect(matchingActivations(page, order, since, until).map((a) => a.id)).toEqual([
      "last",
      "lowercase-iso",
      "first",
    ]);
  });

  it("ignores activations without a creation time", () => {
    const page = [{ ...at("x", "2026-06-03T13:45:05Z"), createdAt: null }];
    expect(matchingActivations(page, order, since, until)).toEqual([]);
  });
});

describe("mayAdopt: a listing takes an unmapped activation only when it is provably the caller's", () => {
  const now = Date.parse("2026-06-03T14:00:00Z");
  const windowMs = purchaseWindowMs(15_000); // 19 s
  const facts = (over: Partial<AdoptionFacts> = {}): AdoptionFacts => ({
    presentedUpstreamKey: true,
    openIntents: [],
    upstreamNow: now,
    windowMs,
    ...over,
  });
  const old = at("old", "2026-06-03T13:59:00Z"); // a minute old

  it("adopts an old activation of the upstream key's owner with no purchase that could claim it", () => {
    expect(windowMs).toBe(19_000);
    expect(mayAdopt(old, facts())).toBe(true);
  });

  it("never adopts for a gateway key: any of the key's bots may be buying it", () => {
    expect(mayAdopt(old, facts({ presentedUpstreamKey: false }))).toBe(false);
  });

  it("never adopts what is younger than a purchase can take to be answered", () => {
    const young = (secondsAgo: number) => at("y", new Date(now - secondsAgo * 1000).toISOString());
    expect(mayAdopt(young(0), facts())).toBe(false);
    expect(mayAdopt(young(18), facts())).toBe(false);
    expect(mayAdopt(young(19), facts())).toBe(true);
  });

  it("never adopts what an open intent of the caller could have created", () => {
    const intent = { serviceCode: "tg", countryIso: "TR", upstreamTime: Date.parse("2026-06-03T13:58:50Z") };
    expect(mayAdopt(old, facts({ openIntents: [intent] }))).toBe(false); // 10 s after the intent
    expect(mayAdopt(old, facts({ openIntents: [{ ...intent, serviceCode: "wa" }] }))).toBe(true);
    expect(mayAdopt(old, facts({ openIntents: [{ ...intent, countryIso: "GB" }] }))).toBe(true);
    const earlier = { ...intent, upstreamTime: Date.parse("2026-06-03T13:58:00Z") }; // window ended 13:58:19
    expect(mayAdopt(old, facts({ openIntents: [earlier] }))).toBe(true);
    const later = { ...intent, upstreamTime: Date.parse("2026-06-03T13:59:01Z") }; // starts after it
    expect(mayAdopt(old, facts({ openIntents: [later] }))).toBe(true);
  });

  it("never adopts an activation whose creation time is unknown", () => {
    expect(mayAdopt({ ...old, createdAt: null }, facts())).toBe(false);
  });
});
