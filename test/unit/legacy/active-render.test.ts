import { describe, expect, it } from "vitest";
import {
  type ListedActivation,
  renderActiveActivations,
  renderHistory,
} from "../../../src/legacy/active-render.js";
import { CountryTable } from "../../../src/mapping/countries.js";
import type { Activation } from "../../../src/upstream/schemas.js";
import { nativeActivation } from "../../helpers/native-activation.js";

// docs/legacy-protocol.md §4 "getActiveActivations" and "getHistory", §4a (value types), §5 (states).
const countries = new CountryTable([
  { id: 0, iso: "RU", nameEn: "Russia" },
  { id: 12, iso: "US", nameEn: "USA virtual" },
  { id: 62, iso: "TR", nameEn: "Turkey" },
  { id: 187, iso: "US", nameEn: "USA" },
]);

const TEXT = "Your Telegram code is 96197";
const received = nativeActivation({
  status: "RECEIVED",
  serviceCode: "tg",
  countryIso: "TR",
  phoneNumber: "+90 501 436 51 10",
  userCost: "0.60",
  smsCode: "96197",
  smsText: TEXT,
  createdAt: "2026-11-29T04:05:53Z",
  receivedAt: "2026-11-29T04:06:10Z",
});

const listed = (numericId: number, fields: Partial<Activation>, countryId?: number): ListedActivation => ({
  record: { numericId, countryId },
  activation: { ...received, ...fields },
});

/** The one item of a getActiveActivations answer that has exactly one. */
function onlyItem(entry: ListedActivation) {
  const answer = renderActiveActivations([entry], countries);
  if (typeof answer === "string") throw new Error(`expected JSON, got ${answer}`);
  expect(answer.json.activeActivations).toHaveLength(1);
  return answer.json.activeActivations[0]!;
}

describe("renderActiveActivations", () => {
  it("renders the documented example, to the byte (with discount and repeated of §4a)", () => {
    const answer = renderActiveActivations([listed(1, {})], countries);
    expect(typeof answer).toBe("object");
    expect(JSON.stringify((answer as { json: unknown }).json)).toBe(
      '{"status":"success","activeActivations":[{"activationId":"1","serviceCode":"tg","phoneNumber":"905014365110",' +
        '"activationCost":0.6,"activationStatus":"6","smsCode":["96197"],"smsText":"Your Telegram code is 96197",' +
        '"activationTime":"2026-11-29 04:05:53","countryCode":"62","countryName":"Turkey","canGetAnotherSms":"1",' +
        '"currency":840,"discount":"0.00","repeated":"0"}]}',
    );
  });

  it('waiting for a first code: "4", no codes, smsText null', () => {
    const item = onlyItem(listed(7, { status: "WAITING", smsCode: null, smsText: null, receivedAt: null }));
    expect(item).toMatchObject({ activationId: "7", activationStatus: "4", smsCode: [], smsText: null });
  });

  it('waiting for a retry code: "3", the last code kept (without colons)', () => {
    const item = onlyItem(listed(7, { status: "WAITING", smsCode: "12:34" }));
    expect(item.activationStatus).toBe("3");
    expect(item.smsCode).toEqual(["1234"]);
  });

  it("several activations keep the listing's order, each with its own id, code and text", () => {
    const answer = renderActiveActivations(
      [
        listed(3, { smsCode: "33333", smsText: "second SMS 33333" }),
        listed(2, { status: "WAITING", smsCode: null, smsText: null }),
        listed(1, {}),
      ],
      countries,
    );
    expect(answer).toMatchObject({
      json: {
        activeActivations: [
          { activationId: "3", activationStatus: "6", smsCode: ["33333"], smsText: "second SMS 33333" },
          { activationId: "2", activationStatus: "4", smsCode: [] },
          { activationId: "1", activationStatus: "6", smsCode: ["96197"], smsText: TEXT },
        ],
      },
    });
  });

  // The listing asks the upstream for WAITING and RECEIVED; what else it shows is left out here.
  it("leaves out ended activations and unknown states; nothing left is NO_ACTIVATIONS", () => {
    const ended = [
      listed(1, { status: "CANCELLED", smsCode: null }),
      listed(2, { status: "EXPIRED", smsCode: null }),
      listed(3, { status: "COMPLETED", smsCode: null }),
      listed(4, { status: "RECEIVED", smsCode: null }),
      listed(5, { status: "SOMETHING_NEW" }),
    ];
    expect(renderActiveActivations(ended, countries)).toBe("NO_ACTIVATIONS");
    expect(renderActiveActivations([], countries)).toBe("NO_ACTIVATIONS");
    const mixed = renderActiveActivations([...ended, listed(6, {})], countries);
    expect(mixed).toMatchObject({ json: { activeActivations: [{ activationId: "6" }] } });
  });

  it("country: the id it was bought with, else the id of its upstream country, else empty", () => {
    expect(onlyItem(listed(1, { countryIso: "US" }, 12))).toMatchObject({
      countryCode: "12",
      countryName: "USA virtual",
    });
    expect(onlyItem(listed(1, { countryIso: "US" }))).toMatchObject({
      countryCode: "187",
      countryName: "USA",
    });
    expect(onlyItem(listed(1, { countryIso: "tr" }))).toMatchObject({
      countryCode: "62",
      countryName: "Turkey",
    });
    expect(onlyItem(listed(1, { countryIso: "XK" }))).toMatchObject({ countryCode: "", countryName: "" });
    expect(onlyItem(listed(1, { countryIso: null }))).toMatchObject({ countryCode: "", countryName: "" });
    expect(onlyItem(listed(1, { countryIso: "TR" }, 0))).toMatchObject({
      countryCode: "0",
      countryName: "Russia",
    });
  });

  it("missing optional fields: empty strings and null, never undefined", () => {
    const bare: ListedActivation = {
      record: { numericId: 9 },
      activation: { id: "x", phoneNumber: "905550000000", status: "WAITING", userCost: "0.50" },
    };
    const item = onlyItem(bare);
    expect(item).toMatchObject({
      serviceCode: "",
      smsText: null,
      activationTime: "",
      countryCode: "",
      countryName: "",
    });
    expect(Object.values(item)).not.toContain(undefined);
    expect(Object.keys(item)).toHaveLength(14);
  });

  it("activationCost is a number exact to the cent, 0 when the upstream's is not a decimal", () => {
    expect(onlyItem(listed(1, { userCost: "3" })).activationCost).toBe(3);
    expect(onlyItem(listed(1, { userCost: "0.605" })).activationCost).toBe(0.61);
    expect(onlyItem(listed(1, { userCost: "n/a" })).activationCost).toBe(0);
  });

  it("carries the types of §4a", () => {
    const item = onlyItem(listed(2147483647, {}));
    expect(item.activationId).toBe("2147483647");
    expect(typeof item.activationCost).toBe("number");
    expect(item.currency).toBe(840);
    expect(item.canGetAnotherSms).toBe("1");
    expect(item.discount).toBe("0.00");
    expect(item.repeated).toBe("0");
    expect(item.phoneNumber).toMatch(/^\d+$/);
  });
});

describe("renderHistory", () => {
  it("renders the documented example, to the byte", () => {
    expect(JSON.stringify(renderHistory([listed(1, { status: "COMPLETED" })]).json)).toBe(
      '[{"id":1,"date":"2026-11-29 04:05:53","phone":"905014365110","sms":"Your Telegram code is 96197","cost":"0.60","status":"6","currency":840}]',
    );
  });

  it("no activations is an empty array", () => {
    expect(renderHistory([])).toEqual({ json: [] });
  });

  it.each([
    ["WAITING", null, "4"],
    ["PENDING", null, "4"],
    ["WAITING", "11111", "3"],
    ["RECEIVED", "96197", "6"],
    ["COMPLETED", "96197", "6"],
    ["COMPLETED", null, "8"],
    ["CANCELLED", null, "8"],
    ["EXPIRED", null, "8"],
    ["REFUNDED", null, "8"],
    ["RECEIVED", null, "8"],
    ["SOMETHING_NEW", null, "8"],
  ])("%s with code %s: status %s", (status, smsCode, code) => {
    expect(renderHistory([listed(1, { status, smsCode })]).json[0]?.status).toBe(code);
  });

  it("sms is the text, else the code, else null", () => {
    const [text, code, none] = renderHistory([
      listed(1, {}),
      listed(2, { smsText: null }),
      listed(3, { status: "CANCELLED", smsCode: null, smsText: undefined }),
    ]).json;
    expect([text?.sms, code?.sms, none?.sms]).toEqual([TEXT, "96197", null]);
  });

  it("cost is a string with two decimals, 0.00 when the upstream's is not a decimal; id a number", () => {
    const [three, odd] = renderHistory([listed(5, { userCost: "3" }), listed(6, { userCost: "n/a" })]).json;
    expect(three).toMatchObject({ id: 5, cost: "3.00", currency: 840 });
    expect(odd).toMatchObject({ id: 6, cost: "0.00" });
  });

  it("missing createdAt is an empty date; the phone is digits only", () => {
    expect(renderHistory([listed(1, { createdAt: null })]).json[0]).toMatchObject({
      date: "",
      phone: "905014365110",
    });
  });
});
