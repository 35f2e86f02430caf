import { describe, expect, it } from "vitest";
import { audit } from "../../../src/soak/audit.js";

const sold = (id: string, status: string, userCost = "0.50") => ({ id, status, userCost });
const base = { crossKey: 0, walletStartCents: 10_000, openIntents: 0 };

describe("the soak's audit", () => {
  it("balanced books: every sale handed once or refunded, the wallet moved by the kept charges", () => {
    const result = audit({
      ...base,
      sold: [sold("a", "COMPLETED"), sold("b", "CANCELLED"), sold("c", "WAITING", "0.45")],
      handed: new Map([
        ["k1:1", { upstreamId: "a", times: 1 }],
        ["k1:2", { upstreamId: "c", times: 1 }],
      ]),
      walletEndCents: 10_000 - 95,
    });
    expect(result).toEqual({
      sold: 3,
      handed: 2,
      refunded: 1,
      chargedUnhanded: 0,
      duplicates: 0,
      crossKey: 0,
      walletDiff: "0.00",
      openIntents: 0,
      limitedKept: {},
      webhookLost: 0,
      problems: [],
    });
  });

  it("matches an id whose mapping Redis lost by the number or address it was handed", () => {
    const result = audit({
      ...base,
      sold: [{ id: "m1", status: "RECEIVED", userCost: "0.05", emailAddress: "a.b@gmx.com" }],
      handed: new Map([["k1:9", { upstreamId: undefined, times: 1, address: "a.b@gmx.com" }]]),
      walletEndCents: 10_000 - 5,
    });
    expect(result).toMatchObject({ handed: 1, chargedUnhanded: 0, problems: [] });
  });

  it("a limited key's kept charges are summed, and a key over its limit is named", () => {
    const result = audit({
      ...base,
      sold: [sold("a", "COMPLETED", "0.90"), sold("b", "CANCELLED", "0.90"), sold("c", "RECEIVED", "0.45")],
      handed: new Map([
        ["3:1", { upstreamId: "a", times: 1 }],
        ["3:2", { upstreamId: "b", times: 1 }],
        ["0:3", { upstreamId: "c", times: 1 }],
      ]),
      walletEndCents: 10_000 - 135,
      limits: [{ prefix: "3:", limitCents: 50 }],
    });
    expect(result.limitedKept).toEqual({ "3:": 90 });
    expect(result.problems).toEqual(["key 3: kept 0.90, over its limit of 0.50"]);
  });

  it("a code the webhook key's activation received and its receiver never got is lost", () => {
    const result = audit({
      ...base,
      sold: [
        { id: "a", status: "COMPLETED", userCost: "0.50", smsCode: "111" },
        { id: "b", status: "COMPLETED", userCost: "0.50", smsCode: "222" },
      ],
      handed: new Map([
        ["2:5", { upstreamId: "a", times: 1 }],
        ["2:6", { upstreamId: "b", times: 1 }],
      ]),
      walletEndCents: 10_000 - 100,
      webhook: { prefix: "2:", delivered: new Set(["5:111"]) },
    });
    expect(result.webhookLost).toBe(1);
    expect(result.problems).toEqual(["code 222 of activation b (id 6) never reached the webhook"]);
  });

  it("names each defect: charged and unhanded, handed twice, one activation under two ids, the wallet", () => {
    const result = audit({
      ...base,
      crossKey: 1,
      openIntents: 2,
      sold: [sold("a", "RECEIVED"), sold("b", "WAITING")],
      handed: new Map([
        ["k1:1", { upstreamId: "b", times: 2 }],
        ["k2:7", { upstreamId: "b", times: 1 }],
      ]),
      walletEndCents: 10_000 - 50,
    });
    expect(result).toMatchObject({ chargedUnhanded: 1, duplicates: 2, walletDiff: "-0.50" });
    expect(result.problems).toEqual([
      "id k1:1 handed to 2 bots",
      "activation b handed as k1:1 and k2:7",
      "activation a is RECEIVED: charged 0.50, handed to no bot",
      "wallet off by -0.50",
      "1 answers showed another key's activation",
      "2 purchase intents left open",
    ]);
  });
});
