import { describe, expect, it } from "vitest";
import {
  type BoughtActivation,
  renderAccessNumber,
  renderNumberV2,
} from "../../../src/legacy/number-render.js";
import type { Activation } from "../../../src/upstream/schemas.js";
import { nativeActivation } from "../../helpers/native-activation.js";

// docs/legacy-protocol.md §4 "getNumberV2" and "Parameters", §4a (value types).
const DOCUMENTED_KEYS = [
  "activationId",
  "phoneNumber",
  "activationCost",
  "currency",
  "countryCode",
  "canGetAnotherSms",
  "activationTime",
  "activationEndTime",
  "activationOperator",
];

const bought = (numericId: number, fields: Partial<Activation> = {}): BoughtActivation => ({
  record: { numericId },
  activation: nativeActivation({
    phoneNumber: "+90 501 436 51 10",
    userCost: "0.60",
    countryIso: "TR",
    operator: null,
    createdAt: "2026-11-29T04:05:53Z",
    expiresAt: "2026-11-29T04:25:53Z",
    ...fields,
  }),
});

describe("renderNumberV2", () => {
  it("renders the documented example, to the byte", () => {
    expect(JSON.stringify(renderNumberV2(bought(1), { countryId: 62 }).json)).toBe(
      '{"activationId":"1","phoneNumber":"905014365110","activationCost":"0.60","currency":840,"countryCode":"62",' +
        '"canGetAnotherSms":true,"activationTime":"2026-11-29 04:05:53","activationEndTime":"2026-11-29 04:25:53",' +
        '"activationOperator":"any"}',
    );
  });

  it("has exactly the documented keys, in order, with the types of §4a (an orderId is not echoed)", () => {
    const { json } = renderNumberV2(bought(2147483647), { countryId: 62, operator: "turkcell" });
    expect(Object.keys(json)).toEqual(DOCUMENTED_KEYS);
    expect(json.activationId).toBe("2147483647");
    expect(json.phoneNumber).toMatch(/^\d+$/);
    expect(json.activationCost).toMatch(/^\d+\.\d\d$/);
    expect(json.currency).toBe(840);
    expect(json.canGetAnotherSms).toBe(true);
    expect(json.activationTime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it("countryCode is the id the client asked with: 12 stays 12 though the upstream says US", () => {
    expect(renderNumberV2(bought(1, { countryIso: "US" }), { countryId: 12 }).json.countryCode).toBe("12");
    expect(renderNumberV2(bought(1, { countryIso: "US" }), { countryId: 187 }).json.countryCode).toBe("187");
    expect(renderNumberV2(bought(1, { countryIso: "RU" }), { countryId: 0 }).json.countryCode).toBe("0");
  });

  it("activationOperator: the upstream's, else the one asked for, else any", () => {
    const operator = (fields: Partial<Activation>, asked?: string) =>
      renderNumberV2(bought(1, fields), { countryId: 62, operator: asked }).json.activationOperator;
    expect(operator({ operator: "vodafone" }, "turkcell")).toBe("vodafone");
    expect(operator({ operator: null }, "turkcell")).toBe("turkcell");
    expect(operator({ operator: undefined })).toBe("any");
  });

  it("activationCost has exactly two decimals; an upstream cost that is not a decimal passes as sent", () => {
    const cost = (userCost: string) =>
      renderNumberV2(bought(1, { userCost }), { countryId: 62 }).json.activationCost;
    expect(cost("3")).toBe("3.00");
    expect(cost("0.5")).toBe("0.50");
    expect(cost("1.005")).toBe("1.01");
    expect(cost("n/a")).toBe("n/a");
  });

  it("times in UTC without milliseconds; missing ones are empty strings", () => {
    const { json } = renderNumberV2(
      bought(1, { createdAt: "2026-11-29T07:05:53.870+03:00", expiresAt: undefined }),
      { countryId: 62 },
    );
    expect(json.activationTime).toBe("2026-11-29 04:05:53");
    expect(json.activationEndTime).toBe("");
    expect(renderNumberV2(bought(1, { createdAt: null }), { countryId: 62 }).json.activationTime).toBe("");
  });
});

describe("renderAccessNumber", () => {
  it("ACCESS_NUMBER:<id>:<digits>, the phone without + or spaces", () => {
    expect(renderAccessNumber(bought(42))).toBe("ACCESS_NUMBER:42:905014365110");
    expect(renderAccessNumber(bought(2147483647, { phoneNumber: "+1 (202) 555-0100" }))).toBe(
      "ACCESS_NUMBER:2147483647:12025550100",
    );
  });

  it("splits into exactly three parts on ':'", () => {
    expect(renderAccessNumber(bought(7, { phoneNumber: "+44:7700:900123" })).split(":")).toEqual([
      "ACCESS_NUMBER",
      "7",
      "447700900123",
    ]);
  });
});
