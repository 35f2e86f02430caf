import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { type IdStore, MAX_LEGACY_ID } from "../../src/store/id-store.js";

export interface ContractHooks {
  /** After each test, once its stores are closed: forget everything, so the next `open` starts empty. */
  cleanup?: () => Promise<void>;
  /** Pretend `lastId` ids were handed out already, so the next one is `lastId + 1` (store is open). */
  setLastId?: (lastId: number) => Promise<void>;
  /** The store expires closed intents by itself (Redis): `pruneIntents` finds nothing to delete. */
  expiresClosedIntents?: boolean;
}

const ALICE = "a".repeat(40);
const BOB = "b".repeat(40);

/**
 * The behaviour every `IdStore` owes the gateway. `open` returns a store on the current storage:
 * two calls within one test see the same data (that is how durability is checked).
 */
export function idStoreContract(name: string, open: () => Promise<IdStore>, hooks: ContractHooks = {}): void {
  describe(`${name} (IdStore contract)`, () => {
    const opened: IdStore[] = [];
    const openStore = async () => {
      const store = await open();
      opened.push(store);
      return store;
    };

    afterEach(async () => {
      await Promise.allSettled(opened.splice(0).map((s) => s.close()));
      await hooks.cleanup?.();
    });

    describe("allocation", () => {
      it("hands out sequential ids from 1, one per upstream activation", async () => {
        const store = await openStore();
        const ids = [];
        for (let i = 0; i < 5; i++) ids.push((await store.upsert(`up-${i}`, ALICE)).record.numericId);
        expect(ids).toEqual([1, 2, 3, 4, 5]);
      });

      it("is idempotent: the same upstream id keeps its numeric id, created only the first time", async () => {
        const store = await openStore();
        const before = Date.now();
        const first = await store.upsert("up-x", ALICE, { countryId: 12 });
        const second = await store.upsert("up-x", ALICE);
        expect(first.created).toBe(true);
        expect(second.created).toBe(false);
        expect(second.record).toEqual(first.record);
        expect(first.record).toMatchObject({ numericId: 1, upstreamId: "up-x", owner: ALICE, countryId: 12 });
        expect(first.record.createdAt).toBeGreaterThanOrEqual(before);
        expect(first.record.createdAt).toBeLessThanOrEqual(Date.now());
      });

      it("lets exactly one of 50 concurrent upserts of one upstream id create it, and wastes no id", async () => {
        const store = await openStore();
        const results = await Promise.all(Array.from({ length: 50 }, () => store.upsert("up-race", ALICE)));
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(results.map((r) => r.record.numericId))).toEqual(new Set([1]));
        expect((await store.upsert("up-next", ALICE)).record.numericId).toBe(2);
      });

      it("gives distinct ids to concurrent upserts of distinct upstream ids", async () => {
        const store = await openStore();
        const results = await Promise.all(
          Array.from({ length: 200 }, (_, i) => store.upsert(`up-${i}`, i % 2 ? ALICE : BOB)),
        );
        const ids = results.map((r) => r.record.numericId).sort((a, b) => a - b);
        expect(ids).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
        expect(results.every((r) => r.created)).toBe(true);
      });

      it("keeps the first owner when another owner upserts the same upstream id", async () => {
        const store = await openStore();
        const first = await store.upsert("up-shared", ALICE);
        const other = await store.upsert("up-shared", BOB, { countryId: 7 });
        expect(other).toEqual({ record: first.record, created: false });
      });

      it("keeps the intent that mapped an activation, across reopen", async () => {
        const store = await openStore();
        const { record } = await store.upsert("up-i", ALICE, { countryId: 62, intentId: "intent-1" });
        expect(record).toMatchObject({ upstreamId: "up-i", countryId: 62, intentId: "intent-1" });
        expect((await store.upsert("up-i", ALICE, { intentId: "intent-2" })).record.intentId).toBe(
          "intent-1",
        );
        expect((await store.upsert("up-plain", ALICE)).record.intentId).toBeUndefined();
        await store.close();
        const reopened = await openStore();
        expect(await reopened.findByUpstream("up-i", ALICE)).toEqual(record);
      });

      it("stores the country id when given and leaves it out otherwise", async () => {
        const store = await openStore();
        const withCountry = await store.upsert("up-187", ALICE, { countryId: 187 });
        const zero = await store.upsert("up-0", ALICE, { countryId: 0 });
        const without = await store.upsert("up-none", ALICE, { countryId: undefined });
        expect((await store.resolve(withCountry.record.numericId, ALICE))?.countryId).toBe(187);
        expect((await store.resolve(zero.record.numericId, ALICE))?.countryId).toBe(0);
        expect((await store.resolve(without.record.numericId, ALICE))?.countryId).toBeUndefined();
        expect((await store.findByUpstream("up-187", ALICE))?.countryId).toBe(187);
      });

      it("tells a mailbox from a number, on the record and across reopen", async () => {
        const store = await openStore();
        const mailbox = await store.upsert("up-mail", ALICE, { product: "email" });
        const number = await store.upsert("up-number", ALICE);
        expect(mailbox.record.product).toBe("email");
        expect(number.record.product).toBeUndefined();
        expect((await store.upsert("up-mail", ALICE)).record.product).toBe("email");
        await store.close();
        const reopened = await openStore();
        expect((await reopened.resolve(mailbox.record.numericId, ALICE))?.product).toBe("email");
        expect((await reopened.findByUpstream("up-number", ALICE))?.product).toBeUndefined();
      });

      it("repoints an owner's id at a new upstream activation, never another owner's, never onto a mapped one", async () => {
        const store = await openStore();
        const { record } = await store.upsert("up-old", ALICE, { product: "email" });
        await store.upsert("up-taken", BOB);
        expect(await store.repoint(record.numericId, BOB, "up-new")).toBe(false);
        expect(await store.repoint(record.numericId, ALICE, "up-taken")).toBe(false);
        expect(await store.repoint(record.numericId, ALICE, "up-new")).toBe(true);
        expect(await store.resolve(record.numericId, ALICE)).toEqual({ ...record, upstreamId: "up-new" });
        expect((await store.findByUpstream("up-new", ALICE))?.numericId).toBe(record.numericId);
        expect((await store.recordOfUpstream("up-taken"))?.owner).toBe(BOB);
      });

      it("never hands out an id above MAX_LEGACY_ID", async () => {
        if (!hooks.setLastId) throw new Error(`${name}: the contract needs setLastId to test the id limit`);
        const store = await openStore();
        await store.upsert("up-before", ALICE);
        await hooks.setLastId(MAX_LEGACY_ID - 2);
        expect((await store.upsert("up-a", ALICE)).record.numericId).toBe(MAX_LEGACY_ID - 1);
        expect((await store.upsert("up-b", ALICE)).record.numericId).toBe(MAX_LEGACY_ID);
        await expect(store.upsert("up-c", ALICE)).rejects.toThrow(/exhausted/);
        await expect(store.upsert("up-d", ALICE)).rejects.toThrow(/exhausted/);
        // existing mappings still answer
        expect((await store.upsert("up-b", ALICE)).record.numericId).toBe(MAX_LEGACY_ID);
        expect(await store.findByUpstream("up-c", ALICE)).toBeUndefined();
      });

      it("keeps upserts idempotent and ids distinct for any sequence of calls (property)", async () => {
        const store = await openStore();
        let run = 0;
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.boolean()), { minLength: 1, maxLength: 30 }),
            async (calls) => {
              run++;
              const seen = new Map<string, { id: number; owner: string }>();
              for (const [n, alice] of calls) {
                const upstreamId = `p${run}-${n}`;
                const owner = alice ? ALICE : BOB;
                const { record, created } = await store.upsert(upstreamId, owner);
                const known = seen.get(upstreamId);
                expect(created).toBe(known === undefined);
                if (known) expect(record).toMatchObject({ numericId: known.id, owner: known.owner });
                else seen.set(upstreamId, { id: record.numericId, owner });
              }
              const ids = [...seen.values()].map((v) => v.id);
              expect(new Set(ids).size).toBe(ids.length);
            },
          ),
          { numRuns: 25 },
        );
      });
    });

    describe("lookup", () => {
      it("resolves an id for its owner only", async () => {
        const store = await openStore();
        const { record } = await store.upsert("up-1", ALICE);
        expect(await store.resolve(record.numericId, ALICE)).toEqual(record);
        expect(await store.resolve(record.numericId, BOB)).toBeUndefined();
      });

      it("resolves nothing for ids never handed out", async () => {
        const store = await openStore();
        await store.upsert("up-1", ALICE);
        for (const id of [0, -1, 2, 1.5, Number.NaN, MAX_LEGACY_ID, MAX_LEGACY_ID + 1]) {
          expect(await store.resolve(id, ALICE)).toBeUndefined();
        }
      });

      it("finds an upstream id's record whoever owns it (for the gateway's own observers)", async () => {
        const store = await openStore();
        const { record } = await store.upsert("up-obs", BOB, { countryId: 6 });
        expect(await store.recordOfUpstream("up-obs")).toEqual(record);
        expect(await store.recordOfUpstream("up-never")).toBeUndefined();
      });

      it("finds by upstream id for its owner only", async () => {
        const store = await openStore();
        const { record } = await store.upsert("up-1", ALICE);
        expect(await store.findByUpstream("up-1", ALICE)).toEqual(record);
        expect(await store.findByUpstream("up-1", BOB)).toBeUndefined();
        expect(await store.findByUpstream("up-unknown", ALICE)).toBeUndefined();
      });
    });

    describe("durability", () => {
      it("resolves every record, claim and open intent after close and reopen", async () => {
        const first = await openStore();
        const records = [];
        for (let i = 0; i < 100; i++) {
          const owner = i % 3 ? ALICE : BOB;
          records.push((await first.upsert(`up-${i}`, owner, { countryId: i })).record);
        }
        await first.claimOrder(ALICE, "order-done");
        await first.completeOrder(ALICE, "order-done", 7);
        await first.claimOrder(ALICE, "order-pending");
        const intentId = await first.addIntent(intent(ALICE, 1000));
        await first.close();

        const second = await openStore();
        for (const record of records) {
          expect(await second.resolve(record.numericId, record.owner)).toEqual(record);
          expect(await second.findByUpstream(record.upstreamId, record.owner)).toEqual(record);
        }
        expect((await second.upsert("up-new", ALICE)).record.numericId).toBe(101);
        expect(await second.claimOrder(ALICE, "order-done")).toEqual({ state: "exists", numericId: 7 });
        expect(await second.claimOrder(ALICE, "order-pending")).toEqual({ state: "exists" });
        expect((await second.openIntents()).map((i) => i.intentId)).toEqual([intentId]);
      });
    });

    describe("order claims", () => {
      it("lets the first of 50 concurrent claims win", async () => {
        const store = await openStore();
        const claims = await Promise.all(Array.from({ length: 50 }, () => store.claimOrder(ALICE, "o-1")));
        expect(claims.filter((c) => c.state === "claimed")).toHaveLength(1);
        expect(claims.filter((c) => c.state === "exists")).toHaveLength(49);
      });

      it("reports the id of a completed order", async () => {
        const store = await openStore();
        expect(await store.claimOrder(ALICE, "o-1")).toEqual({ state: "claimed" });
        expect(await store.claimOrder(ALICE, "o-1")).toEqual({ state: "exists" });
        await store.completeOrder(ALICE, "o-1", 42);
        expect(await store.claimOrder(ALICE, "o-1")).toEqual({ state: "exists", numericId: 42 });
      });

      it("allows a new claim after a release", async () => {
        const store = await openStore();
        await store.claimOrder(ALICE, "o-1");
        await store.releaseOrder(ALICE, "o-1");
        expect(await store.claimOrder(ALICE, "o-1")).toEqual({ state: "claimed" });
        await store.releaseOrder(ALICE, "o-never-claimed");
      });

      it("keeps orders per owner", async () => {
        const store = await openStore();
        expect(await store.claimOrder(ALICE, "o-1")).toEqual({ state: "claimed" });
        expect(await store.claimOrder(BOB, "o-1")).toEqual({ state: "claimed" });
        await store.completeOrder(ALICE, "o-1", 5);
        await store.releaseOrder(BOB, "o-1");
        expect(await store.claimOrder(ALICE, "o-1")).toEqual({ state: "exists", numericId: 5 });
        expect(await store.claimOrder(BOB, "o-1")).toEqual({ state: "claimed" });
      });

      it("treats order ids as opaque strings", async () => {
        const store = await openStore();
        for (const orderId of ["a:b", "", "ключ 🔑", "x".repeat(500), "1' OR '1'='1"]) {
          expect(await store.claimOrder(ALICE, orderId)).toEqual({ state: "claimed" });
          expect(await store.claimOrder(ALICE, orderId)).toEqual({ state: "exists" });
        }
      });
    });

    describe("purchase intents", () => {
      it("lists open intents oldest first and drops closed ones", async () => {
        const store = await openStore();
        const late = await store.addIntent(intent(ALICE, 3000));
        const early = await store.addIntent(intent(BOB, 1000));
        const middle = await store.addIntent(intent(ALICE, 2000));
        expect(new Set([late, early, middle]).size).toBe(3);

        const open = await store.openIntents();
        expect(open.map((i) => i.intentId)).toEqual([early, middle, late]);
        expect(open[0]).toEqual({ intentId: early, ...intent(BOB, 1000) });

        await store.closeIntent(middle);
        await store.closeIntent(middle);
        await store.closeIntent("no-such-intent");
        expect((await store.openIntents()).map((i) => i.intentId)).toEqual([early, late]);
      });

      it("filters by owner and by createdBefore (exclusive)", async () => {
        const store = await openStore();
        const a1 = await store.addIntent(intent(ALICE, 1000));
        const b1 = await store.addIntent(intent(BOB, 1500));
        const a2 = await store.addIntent(intent(ALICE, 2000));
        const ids = async (filter: Parameters<IdStore["openIntents"]>[0]) =>
          (await store.openIntents(filter)).map((i) => i.intentId);

        expect(await ids({ owner: ALICE })).toEqual([a1, a2]);
        expect(await ids({ owner: BOB })).toEqual([b1]);
        expect(await ids({ createdBefore: 2000 })).toEqual([a1, b1]);
        expect(await ids({ owner: ALICE, createdBefore: 2000 })).toEqual([a1]);
        expect(await ids({ owner: ALICE, createdBefore: 1000 })).toEqual([]);
        expect(await ids({ owner: "c".repeat(40) })).toEqual([]);
      });
    });

    describe("intent lifecycle", () => {
      it("keeps the instance that made the purchase and the activation a settler claimed", async () => {
        const store = await openStore();
        const id = await store.addIntent({ ...intent(ALICE, 1000), instance: "gw-1" });
        const plain = await store.addIntent(intent(BOB, 2000));
        await store.markIntentClaimed(id, "up-claimed");
        const [first, second] = await store.openIntents();
        expect(first).toEqual({
          intentId: id,
          ...intent(ALICE, 1000),
          instance: "gw-1",
          claimedUpstreamId: "up-claimed",
        });
        expect(second).toEqual({ intentId: plain, ...intent(BOB, 2000) });
        await store.close();
        const reopened = await openStore();
        expect((await reopened.openIntents())[0]).toEqual(first);
      });

      it("keeps a mailbox intent's product", async () => {
        const store = await openStore();
        const id = await store.addIntent({ ...intent(ALICE, 1000), product: "email" });
        expect(await store.openIntents()).toEqual([
          { intentId: id, ...intent(ALICE, 1000), product: "email" },
        ]);
      });

      it("does not mark a closed intent, and prunes only what was closed before the time given", async () => {
        const store = await openStore();
        const closed = await store.addIntent(intent(ALICE, 1000));
        const open = await store.addIntent(intent(ALICE, 2000));
        await store.closeIntent(closed);
        await store.markIntentClaimed(closed, "up-late");
        expect(await store.pruneIntents(Date.now() + 1)).toBe(hooks.expiresClosedIntents ? 0 : 1);
        expect((await store.openIntents()).map((i) => i.intentId)).toEqual([open]);
        expect(await store.pruneIntents(0)).toBe(0);
      });
    });

    describe("instances", () => {
      it("reports a heartbeat as live until it lapses", async () => {
        const store = await openStore();
        await store.heartbeat("gw-a", 60_000);
        await store.heartbeat("gw-b", 1);
        await new Promise((r) => setTimeout(r, 5)); // the stimulus: gw-b's 1 ms lapses
        const live = await store.liveInstances();
        expect(live.has("gw-a")).toBe(true);
        expect(live.has("gw-b")).toBe(false);
      });
    });

    describe("webhook outbox", () => {
      const T = Date.now();
      const LEASE = 10_000;
      const claim = (
        store: IdStore,
        instance: string,
        now = T,
        extra: { limit?: number; skip?: string[] } = {},
      ) =>
        store.claimWebhooks({
          instance,
          now,
          leaseMs: LEASE,
          limit: extra.limit ?? 10,
          ...(extra.skip && { skipOwners: extra.skip }),
        });
      const ids = (list: { deliveryId: string }[]) => list.map((d) => d.deliveryId);

      it("enqueues once per delivery id, also under 20 concurrent enqueues and after delivery", async () => {
        const store = await openStore();
        const results = await Promise.all(
          Array.from({ length: 20 }, () => store.enqueueWebhook(delivery("wh-1", "up-1", ALICE, T))),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const [claimed] = await claim(store, "gw-a");
        expect(claimed).toEqual({ ...delivery("wh-1", "up-1", ALICE, T), attempts: 0 });
        expect(await store.finishWebhook("wh-1", "gw-a", { state: "delivered", attempts: 1 }, T)).toBe(true);
        expect(await store.enqueueWebhook(delivery("wh-1", "up-1", ALICE, T + 5))).toBe(false);
        expect(await claim(store, "gw-a", T + 10)).toEqual([]);
        expect(await store.webhookBacklog()).toEqual({ pending: 0, oldestCreatedAt: undefined });
      });

      it("hands out one delivery of an activation at a time, in the order they were enqueued", async () => {
        const store = await openStore();
        await store.enqueueWebhook(delivery("wh-a1", "up-a", ALICE, T));
        await store.enqueueWebhook(delivery("wh-b1", "up-b", BOB, T + 1));
        await store.enqueueWebhook(delivery("wh-a2", "up-a", ALICE, T + 2));
        expect(ids(await claim(store, "gw-a", T + 5))).toEqual(["wh-a1", "wh-b1"]);
        // a retry keeps the activation's later delivery waiting behind it
        await store.finishWebhook("wh-a1", "gw-a", { state: "retry", attempts: 1, nextAt: T + 1000 }, T + 5);
        expect(await claim(store, "gw-a", T + 999)).toEqual([]);
        const again = await claim(store, "gw-a", T + 1000);
        expect(again).toEqual([{ ...delivery("wh-a1", "up-a", ALICE, T), attempts: 1 }]);
        await store.finishWebhook("wh-a1", "gw-a", { state: "given_up", attempts: 2 }, T + 1000);
        expect(ids(await claim(store, "gw-a", T + 1001))).toEqual(["wh-a2"]);
      });

      it("lets no other instance claim a held delivery until its lease lapses", async () => {
        const store = await openStore();
        await store.heartbeat("gw-a", 60_000);
        await store.heartbeat("gw-b", 60_000);
        await store.enqueueWebhook(delivery("wh-1", "up-1", ALICE, T));
        expect(ids(await claim(store, "gw-a"))).toEqual(["wh-1"]);
        expect(await claim(store, "gw-b", T + LEASE - 1)).toEqual([]);
        expect(await claim(store, "gw-a", T + LEASE - 1)).toEqual([]);
        // only the holder may retry or release it; anyone's delivery counts
        expect(await store.finishWebhook("wh-1", "gw-b", { state: "retry", attempts: 1, nextAt: T }, T)).toBe(
          false,
        );
        expect(await store.finishWebhook("wh-1", "gw-b", { state: "released" }, T)).toBe(false);
        expect(ids(await claim(store, "gw-b", T + LEASE))).toEqual(["wh-1"]);
        expect(
          await store.finishWebhook("wh-1", "gw-a", { state: "delivered", attempts: 1 }, T + LEASE),
        ).toBe(true);
        // the late holder's outcome no longer applies
        expect(await store.finishWebhook("wh-1", "gw-b", { state: "retry", attempts: 2, nextAt: T }, T)).toBe(
          false,
        );
        expect(await claim(store, "gw-b", T + 3 * LEASE)).toEqual([]);
      });

      it("hands a released delivery out again at once, and passes over skipped owners", async () => {
        const store = await openStore();
        await store.enqueueWebhook(delivery("wh-a", "up-a", ALICE, T));
        await store.enqueueWebhook(delivery("wh-b", "up-b", BOB, T + 1));
        expect(ids(await claim(store, "gw-a", T + 2, { skip: [ALICE] }))).toEqual(["wh-b"]);
        expect(ids(await claim(store, "gw-a", T + 2, { limit: 1 }))).toEqual(["wh-a"]);
        expect(await store.finishWebhook("wh-a", "gw-a", { state: "released" }, T + 2)).toBe(true);
        expect(ids(await claim(store, "gw-a", T + 2))).toEqual(["wh-a"]);
        expect(await claim(store, "gw-a", T + 2, { limit: 0 })).toEqual([]);
      });

      it("lets exactly one of two instances claim each of 30 deliveries when they race", async () => {
        const store = await openStore();
        await store.heartbeat("gw-a", 60_000);
        await store.heartbeat("gw-b", 60_000);
        for (let i = 0; i < 30; i++) await store.enqueueWebhook(delivery(`wh-${i}`, `up-${i}`, ALICE, T + i));
        const rounds = await Promise.all(
          Array.from({ length: 10 }, (_, i) => claim(store, i % 2 ? "gw-a" : "gw-b", T + 100, { limit: 4 })),
        );
        const claimed = rounds.flatMap(ids);
        expect(new Set(claimed).size).toBe(claimed.length);
        expect(claimed.length).toBe(30);
      });

      it("reports the backlog, keeps pending deliveries across reopen and prunes finished ones", async () => {
        const store = await openStore();
        await store.enqueueWebhook(delivery("wh-1", "up-1", ALICE, T - 5000));
        await store.enqueueWebhook(delivery("wh-2", "up-2", BOB, T - 1000));
        await store.enqueueWebhook(delivery("wh-3", "up-3", BOB, T));
        expect(await store.webhookBacklog()).toEqual({ pending: 3, oldestCreatedAt: T - 5000 });
        await claim(store, "gw-a", T, { limit: 1 });
        await store.finishWebhook("wh-1", "gw-a", { state: "dropped", attempts: 0 }, T);
        await store.close();
        const reopened = await openStore();
        expect(await reopened.webhookBacklog()).toEqual({ pending: 2, oldestCreatedAt: T - 1000 });
        expect(ids(await claim(reopened, "gw-b", T + 1))).toEqual(["wh-2", "wh-3"]);
        expect(await reopened.pruneWebhooks(T + 1)).toBe(hooks.expiresClosedIntents ? 0 : 1);
        // pruned or expired later, a finished delivery is still not enqueued again before that
        expect(await reopened.enqueueWebhook(delivery("wh-2", "up-2", BOB, T))).toBe(false);
      });
    });

    describe("health", () => {
      it("pings while open and rejects after close", async () => {
        const store = await openStore();
        await expect(store.ping()).resolves.toBeUndefined();
        await store.close();
        await expect(store.ping()).rejects.toThrow();
        await store.close();
      });
    });
  });
}

function delivery(deliveryId: string, upstreamId: string, owner: string, createdAt: number) {
  return { deliveryId, owner, upstreamId, payload: `{"activationId":1,"id":"${deliveryId}"}`, createdAt };
}

function intent(owner: string, createdAt: number) {
  return { owner, serviceCode: "tg", countryIso: "ID", upstreamTime: createdAt - 250, createdAt };
}
