import { describe, expect, it, vi } from "vitest";
import { KeyGate } from "../../../src/upstream/key-gate.js";
import { seededRandom } from "../../helpers/random.js";

describe("KeyGate", () => {
  it("never lets more than maxConcurrent calls of one key run at once", async () => {
    // calls that take 0–3 ms each (seeded), on the fake clock
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const random = seededRandom();
      const gate = new KeyGate({ maxConcurrent: 3, maxQueued: 100 });
      let active = 0;
      let peak = 0;
      const calls = Promise.all(
        Array.from({ length: 40 }, async () => {
          const release = await gate.acquire("k");
          if (!release) throw new Error("queue full");
          active += 1;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, Math.floor(random() * 4)));
          active -= 1;
          release();
        }),
      );
      await vi.runAllTimersAsync();
      await calls;
      expect(peak).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it("keeps keys independent and refuses when a key's queue is full", async () => {
    const gate = new KeyGate({ maxConcurrent: 1, maxQueued: 1 });
    const first = await gate.acquire("a");
    expect(first).toBeTypeOf("function");
    const queued = gate.acquire("a");
    expect(await gate.acquire("a")).toBe(false);
    expect(await gate.acquire("b")).toBeTypeOf("function");
    (first as () => void)();
    expect(await queued).toBeTypeOf("function");
  });

  it("blocks a key for Retry-After seconds", () => {
    let now = 1000;
    const gate = new KeyGate({ maxConcurrent: 1, maxQueued: 1, now: () => now });
    gate.block("k", 2);
    expect(gate.blockedFor("k")).toBe(2000);
    expect(gate.blockedFor("other")).toBe(0);
    now += 2000;
    expect(gate.blockedFor("k")).toBe(0);
  });
});

describe("KeyGate's order", () => {
  it("gives a freed slot to a queued write before the reads queued ahead of it", async () => {
    const gate = new KeyGate({ maxConcurrent: 1, maxQueued: 10 });
    const held = (await gate.acquire("k")) as () => void;
    const order: string[] = [];
    const take = async (name: string, write: boolean) => {
      const release = await gate.acquire("k", write);
      if (!release) throw new Error("queue full");
      order.push(name);
      release();
    };
    const all = Promise.all([take("read 1", false), take("read 2", false), take("write", true)]);
    held();
    await all;
    expect(order).toEqual(["write", "read 1", "read 2"]);
  });
});
