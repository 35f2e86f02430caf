import { describe, expect, it } from "vitest";
import { UpstreamError } from "../../src/upstream/errors.js";
import type { Activation } from "../../src/upstream/schemas.js";
import { StatusShield } from "../../src/upstream/status-shield.js";

const activation = (id: string, status = "WAITING"): Activation => ({
  id,
  phoneNumber: "79990000000",
  status,
  userCost: "0.50",
});

function reader() {
  const calls: string[] = [];
  let fail: UpstreamError | undefined;
  let status = "WAITING";
  const read = async (key: string, id: string) => {
    calls.push(`${key}:${id}`);
    await new Promise((r) => setTimeout(r, 5));
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

describe("StatusShield", () => {
  it("coalesces concurrent reads of one activation by one owner into one call", async () => {
    const r = reader();
    const shield = new StatusShield(r.read, 1000);
    const answers = await Promise.all(Array.from({ length: 50 }, () => shield.get("owner", "key", "a1")));
    expect(r.calls).toHaveLength(1);
    expect(answers.every((a) => a.id === "a1")).toBe(true);
  });

  it("never serves one owner's entry to another", async () => {
    const r = reader();
    const shield = new StatusShield(r.read, 60_000);
    await shield.get("owner-a", "key-a", "a1");
    await shield.get("owner-b", "key-b", "a1");
    expect(r.calls).toEqual(["key-a:a1", "key-b:a1"]);
  });

  it("with ttl 0 caches nothing (but still coalesces)", async () => {
    const r = reader();
    const shield = new StatusShield(r.read, 0);
    await shield.get("o", "k", "a1");
    await shield.get("o", "k", "a1");
    expect(r.calls).toHaveLength(2);
  });

  it("serves the last known state while the upstream rate-limits or is down, not on other errors", async () => {
    const r = reader();
    const shield = new StatusShield(r.read, 1);
    await shield.get("o", "k", "a1");
    await new Promise((res) => setTimeout(res, 5));
    r.failWith(new UpstreamError("rate_limited", "slow down"));
    expect((await shield.get("o", "k", "a1")).status).toBe("WAITING");
    r.failWith(new UpstreamError("not_found", "gone"));
    await new Promise((res) => setTimeout(res, 5));
    await expect(shield.get("o", "k", "a1")).rejects.toThrow("gone");
  });

  it("keeps terminal states beyond the ttl", async () => {
    const r = reader();
    const shield = new StatusShield(r.read, 1);
    r.setStatus("CANCELLED");
    await shield.get("o", "k", "a1");
    await new Promise((res) => setTimeout(res, 10));
    expect((await shield.get("o", "k", "a1")).status).toBe("CANCELLED");
    expect(r.calls).toHaveLength(1);
  });
});
