import { afterEach, describe, expect, it } from "vitest";
import type { Reservation, SpendLedger } from "../../src/store/spend-ledger.js";
import { RESERVATION_TTL_MS } from "../../src/store/spend-ledger.js";

const ALICE = "a".repeat(40);
const BOB = "b".repeat(40);
const DAY = "2026-12-08";
const T0 = Date.parse("2026-12-08T10:00:00Z");

let n = 0;
const reservation = (over: Partial<Reservation> = {}): Reservation => ({
  id: `r-${++n}`,
  owner: ALICE,
  cents: 50,
  day: DAY,
  at: T0,
  ...over,
});

/** The behaviour every spend ledger owes the limits; `open` gives a ledger on fresh storage. */
export function spendLedgerContract(name: string, open: () => Promise<SpendLedger>): void {
  describe(`${name} (SpendLedger contract)`, () => {
    const opened: SpendLedger[] = [];
    const ledger = async () => {
      const l = await open();
      opened.push(l);
      return l;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((l) => l.close()));
    });

    it("reserves within the daily limit and refuses what would pass it, counting reservations", async () => {
      const l = await ledger();
      for (let i = 0; i < 10; i++)
        expect(await l.reserve(reservation(), { dailyCents: 500 })).toEqual({ ok: true });
      expect(await l.reserve(reservation({ cents: 1 }), { dailyCents: 500 })).toEqual({
        ok: false,
        reason: "daily",
      });
      expect(await l.usage(ALICE, DAY, T0)).toMatchObject({
        todayCents: 500,
        totalCents: 500,
        live: 10,
        reservedCents: 500,
      });
    });

    it("lets exactly as many of 40 concurrent reservations through as the limit holds", async () => {
      const l = await ledger();
      const results = await Promise.all(
        Array.from({ length: 40 }, () => l.reserve(reservation({ cents: 45 }), { dailyCents: 500 })),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(11);
    });

    it("settles with the charge reported, gives a refund back, and ends without one", async () => {
      const l = await ledger();
      const a = reservation();
      const b = reservation();
      await l.reserve(a, {});
      await l.reserve(b, {});
      await l.settle(a.id, "up-a", 60);
      await l.settle(b.id, "up-b", 40);
      await l.settle(b.id, "up-b", 40); // twice: once
      expect(await l.usage(ALICE, DAY, T0)).toEqual({
        todayCents: 100,
        totalCents: 100,
        live: 2,
        lastMinute: 2,
        reservedCents: 0,
      });
      await l.end("up-a", true);
      await l.end("up-a", true); // twice: once
      await l.end("up-b", false);
      expect(await l.usage(ALICE, DAY, T0)).toEqual({
        todayCents: 40,
        totalCents: 40,
        live: 0,
        lastMinute: 2,
        reservedCents: 0,
      });
    });

    it("a reorder's charge takes the upstream id over: the first charge stays, and a refund returns the second", async () => {
      const l = await ledger();
      const first = reservation();
      const reorder = reservation();
      await l.reserve(first, {});
      await l.settle(first.id, "mailbox-1", 5);
      await l.reserve(reorder, {});
      await l.settle(reorder.id, "mailbox-1", 7);
      expect(await l.usage(ALICE, DAY, T0)).toMatchObject({ todayCents: 12, live: 1 });
      await l.end("mailbox-1", true);
      expect(await l.usage(ALICE, DAY, T0)).toMatchObject({ todayCents: 5, live: 0 });
    });

    it("lists the charged activations not ended, oldest first, for the sweep that ends them", async () => {
      const l = await ledger();
      for (const [n, at] of [
        [1, T0 + 2000],
        [2, T0 + 1000],
        [3, T0 + 3000],
      ] as const) {
        const r = reservation({ at });
        await l.reserve(r, {});
        await l.settle(r.id, `up-${n}`, 10);
      }
      await l.end("up-2", true);
      expect(await l.charged(T0 + 10_000, 10)).toEqual([
        { upstreamId: "up-1", owner: ALICE },
        { upstreamId: "up-3", owner: ALICE },
      ]);
      expect(await l.charged(T0 + 2500, 10)).toEqual([{ upstreamId: "up-1", owner: ALICE }]);
      expect(await l.charged(T0 + 10_000, 1)).toHaveLength(1);
    });

    it("drops a released reservation, and one nobody settled after its time", async () => {
      const l = await ledger();
      const a = reservation();
      await l.reserve(a, {});
      await l.release(a.id);
      await l.reserve(reservation({ at: T0 - RESERVATION_TTL_MS - 1000 }), {});
      expect(await l.usage(ALICE, DAY, T0)).toMatchObject({ todayCents: 0, totalCents: 0, live: 0 });
    });

    it("counts the day a purchase was made on, the total across days, and each owner alone", async () => {
      const l = await ledger();
      const yesterday = reservation({ day: "2026-12-07", at: T0 - 86_400_000 });
      await l.reserve(yesterday, {});
      await l.settle(yesterday.id, "up-y", 300);
      expect(await l.reserve(reservation({ cents: 300 }), { dailyCents: 500, totalCents: 1000 })).toEqual({
        ok: true,
      });
      expect(await l.reserve(reservation({ cents: 500 }), { totalCents: 1000 })).toEqual({
        ok: false,
        reason: "total",
      });
      expect(await l.usage(ALICE, DAY, T0)).toMatchObject({ todayCents: 300, totalCents: 600 });
      expect(await l.usage(BOB, DAY, T0)).toEqual({
        todayCents: 0,
        totalCents: 0,
        live: 0,
        lastMinute: 0,
        reservedCents: 0,
      });
      expect(await l.reserve(reservation({ owner: BOB, cents: 500 }), { dailyCents: 500 })).toEqual({
        ok: true,
      });
    });

    it("limits live purchases and purchases per minute", async () => {
      const l = await ledger();
      await l.reserve(reservation(), { maxLive: 2 });
      await l.reserve(reservation(), { maxLive: 2 });
      expect(await l.reserve(reservation(), { maxLive: 2 })).toEqual({ ok: false, reason: "live" });
      expect(await l.reserve(reservation({ owner: BOB }), { perMinute: 1 })).toEqual({ ok: true });
      expect(await l.reserve(reservation({ owner: BOB }), { perMinute: 1 })).toEqual({
        ok: false,
        reason: "rate",
      });
      expect(await l.reserve(reservation({ owner: BOB, at: T0 + 61_000 }), { perMinute: 1 })).toEqual({
        ok: true,
      });
    });
  });
}
