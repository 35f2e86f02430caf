import { legacyTime } from "../common/legacy-time.js";
import { fixed2 } from "../common/money.js";
import { phoneDigits } from "../common/phone.js";
import { LEGACY_CURRENCY, T } from "../common/tokens.js";
import type { CountryTable } from "../mapping/countries.js";
import { activeStatusCode, codesOf, legacyStateOf } from "../mapping/status.js";
import type { ActivationRecord } from "../store/id-store.js";
import type { Activation } from "../upstream/schemas.js";

/**
 * The caller's activation lists (docs/legacy-protocol.md §4 "Core", §4a), pure: the activations a
 * listing showed to be the caller's, each with its id record, in; the answer out.
 */

export interface ListedActivation {
  record: Pick<ActivationRecord, "numericId" | "countryId">;
  activation: Activation;
}

export interface ActiveActivationJson {
  activationId: string;
  serviceCode: string;
  phoneNumber: string;
  activationCost: number;
  activationStatus: "4" | "3" | "6";
  smsCode: string[];
  smsText: string | null;
  activationTime: string;
  countryCode: string;
  countryName: string;
  canGetAnotherSms: "1";
  currency: number;
  discount: "0.00";
  repeated: "0";
}

export interface ActiveActivationsJson {
  status: "success";
  activeActivations: ActiveActivationJson[];
}

type CountryLookup = Pick<CountryTable, "idOfIso" | "byLegacyId">;

/**
 * getActiveActivations: the activations of a live listing (the upstream's WAITING and RECEIVED) in
 * listing order; one that ended without a code or is in an unknown state is left out, and an empty
 * list is `NO_ACTIVATIONS`. `countryCode` is the id the activation
 * was bought with, else the id of its upstream country (US → 187), else "".
 */
export function renderActiveActivations(
  listed: readonly ListedActivation[],
  countries: CountryLookup,
): typeof T.NO_ACTIVATIONS | { json: ActiveActivationsJson } {
  const items = listed.flatMap(({ record, activation }) => {
    const state = legacyStateOf(activation);
    const status = activeStatusCode(state);
    if (status === undefined || status === "8") return [];
    const countryId =
      record.countryId ?? (activation.countryIso ? countries.idOfIso(activation.countryIso) : undefined);
    const item: ActiveActivationJson = {
      activationId: String(record.numericId),
      serviceCode: activation.serviceCode ?? "",
      phoneNumber: phoneDigits(activation.phoneNumber),
      activationCost: Number(fixed2(activation.userCost) ?? 0),
      activationStatus: status,
      smsCode: codesOf(state),
      smsText: activation.smsText ?? null,
      activationTime: legacyTime(activation.createdAt),
      countryCode: countryId === undefined ? "" : String(countryId),
      countryName: countryId === undefined ? "" : (countries.byLegacyId(countryId)?.nameEn ?? ""),
      canGetAnotherSms: "1",
      currency: LEGACY_CURRENCY,
      discount: "0.00",
      repeated: "0",
    };
    return [item];
  });
  if (items.length === 0) return T.NO_ACTIVATIONS;
  return { json: { status: "success", activeActivations: items } };
}

export interface HistoryItemJson {
  id: number;
  date: string;
  phone: string;
  sms: string | null;
  cost: string;
  status: "4" | "3" | "6" | "8";
  currency: number;
}

/**
 * getHistory: every activation given (the page the client asked for), `[]` when none. `sms` is the
 * text, else the code, else null; `status` "8" covers ended without a code and unknown states.
 */
export function renderHistory(listed: readonly ListedActivation[]): { json: HistoryItemJson[] } {
  return {
    json: listed.map(({ record, activation }) => ({
      id: record.numericId,
      date: legacyTime(activation.createdAt),
      phone: phoneDigits(activation.phoneNumber),
      sms: activation.smsText ?? activation.smsCode ?? null,
      cost: fixed2(activation.userCost) ?? "0.00",
      status: activeStatusCode(legacyStateOf(activation)) ?? "8",
      currency: LEGACY_CURRENCY,
    })),
  };
}
