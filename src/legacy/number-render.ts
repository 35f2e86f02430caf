import { legacyTime } from "../common/legacy-time.js";
import { fixed2 } from "../common/money.js";
import { phoneDigits } from "../common/phone.js";
import { LEGACY_CURRENCY, VALUED } from "../common/tokens.js";
import type { ActivationRecord } from "../store/id-store.js";
import type { Activation } from "../upstream/schemas.js";

/**
 * A purchase's answers (docs/legacy-protocol.md §4 "Core", §4a), pure: the activation bought, its id
 * record and what the client asked for in; the answer out.
 */

export interface BoughtActivation {
  record: Pick<ActivationRecord, "numericId">;
  activation: Pick<Activation, "phoneNumber" | "userCost" | "operator" | "createdAt" | "expiresAt">;
}

/** What the client asked with: the country id it used (12 stays 12) and its `operator`, if any. */
export interface AskedFor {
  countryId: number;
  operator?: string | undefined;
}

export interface NumberV2Json {
  activationId: string;
  phoneNumber: string;
  activationCost: string;
  currency: number;
  countryCode: string;
  canGetAnotherSms: true;
  activationTime: string;
  activationEndTime: string;
  activationOperator: string;
}

/** getNumber: `ACCESS_NUMBER:<id>:<digits>`. */
export function renderAccessNumber({ record, activation }: BoughtActivation): string {
  return `${VALUED.ACCESS_NUMBER}:${record.numericId}:${phoneDigits(activation.phoneNumber)}`;
}

/**
 * getNumberV2 (with or without `orderId`: the same answer). `activationOperator` is the upstream's
 * operator, else the one asked for, else "any"; an upstream cost that is not a decimal passes as sent.
 */
export function renderNumberV2(
  { record, activation }: BoughtActivation,
  asked: AskedFor,
): { json: NumberV2Json } {
  return {
    json: {
      activationId: String(record.numericId),
      phoneNumber: phoneDigits(activation.phoneNumber),
      activationCost: fixed2(activation.userCost) ?? activation.userCost,
      currency: LEGACY_CURRENCY,
      countryCode: String(asked.countryId),
      canGetAnotherSms: true,
      activationTime: legacyTime(activation.createdAt),
      activationEndTime: legacyTime(activation.expiresAt),
      activationOperator: activation.operator ?? asked.operator ?? "any",
    },
  };
}
