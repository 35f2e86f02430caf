import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { UpstreamError } from "../../../src/upstream/errors.js";
import type { Activation } from "../../../src/upstream/schemas.js";
import { StatusShield } from "../../../src/upstream/status-shield.js";

const activation = (id: string, status = "WAITING"): Activation => ({
  id,
  phoneNumber: "79990000000",
  status,
  userCost: "0.50",
});

/** An upstream read that answers on a later turn of the event loop (so concurrent gets overlap). */
function reader() {
  const calls: string[] = [];
  let fail: UpstreamError | undefined;
  let status = "WAITING";
  const read = async (key: string, id: string) => {
    calls.push(`${key}:${id}`);
    await new Promise((r) => setImmediate(r));
    if (fail) throw fail;
    return activation(id, status);
  };
  return {
    read,
    calls,
    failWith: (e: UpstreamError | undefined) => (fail = e),
    setStatus: (s: string) => (status = s),
  };
}

// The TTL runs on the fake clock: time passes only when the test says so.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
});
afterEach(() => {
  vi.useRealTimers();
});
/** A shield with a TTL on the fake clock, in front of a fresh reader. */
function shielded(ttlMs: number) {
  const r = reader();
  return { ...r, shield: new StatusShield(r.read, ttlMs, {}, undefined, { now: () => Date.now() }) };
}
const pass = (ms: number) => vi.advanceTimersByTime(ms);

describe("StatusShield", () => {
  it("coalesces concurrent reads of one activation by one owner into one call", async () => {
    const { shield, ...r } = shielded(1000);
    const answers = await Promise.all(Array.from({ length: 50 }, () => shield.get("owner", "key", "a1")));
    expect(r.calls).toHaveLength(1);
    expect(answers.every((a) => a.id === "a1")).toBe(true);
  });

  it("reuses an answer for the TTL, then reads again", async () => {
    const { shield, ...r } = shielded(1000);
    await shield.get("o", "k", "a1");
    pass(999);
    await shield.get("o", "k", "a1");
    expect(r.calls).toHaveLength(1);
    pass(2);
    await shield.get("o", "k", "a1");
    expect(r.calls).toHaveLength(2);
  });

  it("never serves one owner's entry to another", async () => {
    const { shield, ...r } = shielded(60_000);
    await shield.get("owner-a", "key-a", "a1");
    await shield.get("owner-b", "key-b", "a1");
    expect(r.calls).toEqual(["key-a:a1", "key-b:a1"]);
  });

  it("with ttl 0 caches nothing (but still coalesces)", async () => {
    const { shield, ...r } = shielded(0);
    await shield.get("o", "k", "a1");
    await shield.get("o", "k", "a1");
    expect(r.calls).toHaveLength(2);
  });

  it("serves the last known state while the upstream rate-limits or is down, not on other errors", async () => {
    const { shield, ...r } = shielded(1);
    await shield.get("o", "k", "a1");
    pass(5);
    r.failWith(new UpstreamError("rate_limited", "slow down"));
    expect((await shield.get("o", "k", "a1")).status).toBe("WAITING");
    r.failWith(new UpstreamError("not_found", "gone"));
    pass(5);
    await expect(shield.get("o", "k", "a1")).rejects.toThrow("gone");
  });

  it("keeps terminal states beyond the ttl", async () => {
    const { shield, ...r } = shielded(1);
    r.setStatus("CANCELLED");
    await shield.get("o", "k", "a1");
    pass(10);
    expect((await shield.get("o", "k", "a1")).status).toBe("CANCELLED");
    expect(r.calls).toHaveLength(1);
  });
});
