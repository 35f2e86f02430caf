import { describe, expect, it } from "vitest";
import { matchingActivations } from "../../src/legacy/purchase.js";
import type { Activation } from "../../src/upstream/schemas.js";

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
