import { describe, expect, it } from "vitest";
import {
  activeStatusCode,
  decideSetStatus,
  type LegacyState,
  legacyStateOf,
  statusToken,
} from "../../../src/mapping/status.js";

// legacy-protocol.md §5, first table: upstream status + smsCode → getStatus / active-list status.
describe("getStatus table", () => {
  it.each([
    ["PENDING", null, "STATUS_WAIT_CODE", "4"],
    ["WAITING", null, "STATUS_WAIT_CODE", "4"],
    ["WAITING", "11111", "STATUS_WAIT_RETRY:11111", "3"],
    ["RECEIVED", "48213", "STATUS_OK:48213", "6"],
    ["COMPLETED", "48213", "STATUS_OK:48213", "6"],
    ["CANCELLED", null, "STATUS_CANCEL", "8"],
    ["EXPIRED", null, "STATUS_CANCEL", "8"],
    ["REFUNDED", null, "STATUS_CANCEL", "8"],
    ["SOMETHING_NEW", null, "ERROR_SQL", undefined],
  ])("%s with code %s → %s", (status, smsCode, token, active) => {
    const state = legacyStateOf({ status, smsCode });
    expect(statusToken(state)).toBe(token);
    expect(activeStatusCode(state)).toBe(active);
  });

  it("strips colons from a code emitted after a colon", () => {
    expect(statusToken(legacyStateOf({ status: "RECEIVED", smsCode: "12:34" }))).toBe("STATUS_OK:1234");
  });
});

// legacy-protocol.md §5, setStatus table: columns are the states, rows the statuses.
const waiting: LegacyState = { kind: "waiting" };
const received: LegacyState = { kind: "received", code: "1" };
const retry: LegacyState = { kind: "retry", lastCode: "1" };
const completed: LegacyState = { kind: "completed", code: "1" };
const cancelled: LegacyState = { kind: "cancelled" };

const answer = (token: string) => ({ kind: "answer", token });
const call = (op: string, onSuccess: string) => expect.objectContaining({ kind: "call", op, onSuccess });

describe("setStatus table", () => {
  it.each([
    ["1", waiting, answer("ACCESS_READY")],
    ["1", received, answer("ACCESS_READY")],
    ["1", retry, answer("ACCESS_READY")],
    ["1", completed, answer("BAD_STATUS")],
    ["1", cancelled, answer("STATUS_CANCEL")],
    ["3", waiting, answer("ACCESS_RETRY_GET")],
    ["3", received, call("resend", "ACCESS_RETRY_GET")],
    ["3", retry, answer("ACCESS_RETRY_GET")],
    ["3", completed, answer("BAD_STATUS")],
    ["3", cancelled, answer("STATUS_CANCEL")],
    ["6", waiting, call("cancel", "ACCESS_ACTIVATION")],
    ["6", received, call("complete", "ACCESS_ACTIVATION")],
    ["6", retry, call("complete", "ACCESS_ACTIVATION")],
    ["6", completed, answer("ACCESS_ACTIVATION")],
    ["6", cancelled, answer("STATUS_CANCEL")],
    ["8", waiting, call("cancel", "ACCESS_CANCEL")],
    ["8", received, answer("BAD_STATUS")],
    ["8", retry, answer("BAD_STATUS")],
    ["8", completed, answer("BAD_STATUS")],
    ["8", cancelled, answer("ACCESS_CANCEL")],
    ["-1", waiting, call("cancel", "ACCESS_CANCEL")],
    ["-1", cancelled, answer("ACCESS_CANCEL")],
    ["2", waiting, answer("BAD_STATUS")],
    ["abc", received, answer("BAD_STATUS")],
  ])("status %s in %o", (status, state, expected) => {
    expect(decideSetStatus(state, status)).toEqual(expected);
  });

  it("a cancel refused by the upstream is an early cancel", () => {
    expect(decideSetStatus(waiting, "8")).toMatchObject({ onConflict: "EARLY_CANCEL_DENIED" });
    expect(decideSetStatus(received, "3")).toMatchObject({ onConflict: "BAD_STATUS" });
  });
});
