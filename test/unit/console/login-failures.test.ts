import { describe, expect, it } from "vitest";
import { LoginFailures } from "../../../src/console/login-failures.js";

describe("LoginFailures", () => {
  const limits = { max: 3, windowMs: 60_000, addresses: 2 };

  it("refuses an address after max failures until its window ends, and says so once", () => {
    let now = 1_000_000;
    const failures = new LoginFailures(limits, () => now);
    expect([failures.fail("a"), failures.fail("a"), failures.fail("a"), failures.fail("a")]).toEqual([
      false,
      false,
      true,
      false,
    ]);
    expect(failures.retryAfterS("a")).toBe(60);
    expect(failures.retryAfterS("b")).toBe(0);
    now += 59_500;
    expect(failures.retryAfterS("a")).toBe(1);
    now += 500;
    expect(failures.retryAfterS("a")).toBe(0);
    expect(failures.fail("a")).toBe(false); // a new window
  });

  it("remembers a bounded number of addresses", () => {
    const failures = new LoginFailures(limits, () => 0);
    for (const address of ["a", "b", "c"]) for (let i = 0; i < 3; i++) failures.fail(address);
    expect(["a", "b", "c"].map((a) => failures.retryAfterS(a) > 0)).toEqual([false, true, true]);
  });
});
