import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { KeyRing } from "../../../src/money/key-ring.js";
import { OrphanSettler, type OrphanSettlerOptions } from "../../../src/money/orphan-settler.js";
import { PurchaseCoordinator } from "../../../src/money/purchase-coordinator.js";
import { openSqliteIdStore, type SqliteIdStore } from "../../../src/store/sqlite.js";
import type { EmailActivation } from "../../../src/upstream/email-schemas.js";
import { UpstreamError } from "../../../src/upstream/errors.js";
import type { Activation } from "../../../src/upstream/schemas.js";

/** The orphan settler against a real SQLite store and a scripted upstream, one sweep at a time. */
const OWNER = "o".repeat(40);
const KEY = "settler-key-000000000000000000000";
const T0 = Date.parse("2026-06-03T13:45:00Z");

interface Scripted {
  pages: Activation[][];
  /** the key's mailboxes, newest first (one list, no cursor upstream) */
  mailboxes: EmailActivation[];
  listError?: UpstreamError;
  cancelled: string[];
  upstreamNow: number;
}

function mailbox(id: string, createdAt: number, extra: Partial<EmailActivation> = {}): EmailActivation {
  const at = new Date(createdAt).toISOString();
  return {
    id,
    status: "WAITING",
    site: "telegram.com",
    domain: "gmx.com",
    emailAddress: `${id}@gmx.com`,
    otpValue: null,
    userCost: "0.04",
    cancellableAt: at,
    expiresAt: null,
    receivedAt: null,
    createdAt: at,
    body: null,
    ...extra,
  };
}

function activation(id: string, createdAt: number, extra: Partial<Activation> = {}): Activation {
  return {
    id,
    phoneNumber: "905550000000",
    status: "WAITING",
    serviceCode: "tg",
    countryIso: "TR",
    userCost: "0.50",
    createdAt: new Date(createdAt).toISOString(),
    cancellableAt: new Date(createdAt).toISOString(),
    ...extra,
  };
}

let store: SqliteIdStore;
let up: Scripted;
let now: number;

function settler(over: Partial<OrphanSettlerOptions> = {}) {
  const keyRing = new KeyRing();
  keyRing.remember(OWNER, KEY);
  const upstream: OrphanSettlerOptions["upstream"] = {
    upstreamNow: () => up.upstreamNow,
    async listActivations(_key, query) {
      if (up.listError) throw up.listError;
      const index = query?.cursor ? Number(query.cursor) : 0;
      const data = up.pages[index] ?? [];
      return { data, nextCursor: index + 1 < up.pages.length ? String(index + 1) : null };
    },
    async getActivation(_key, id) {
      const found = up.pages.flat().find((a) => a.id === id);
      if (!found) throw new UpstreamError("not_found", "Activation not found");
      return found;
    },
    async cancel(_key, id) {
      up.cancelled.push(id);
      return activation(id, T0, { status: "CANCELLED" });
    },
    async listEmailActivations() {
      if (up.listError) throw up.listError;
      return up.mailboxes;
    },
    async getEmailActivation(_key, id) {
      const found = up.mailboxes.find((m) => m.id === id);
      if (!found) throw new UpstreamError("not_found", "Email activation not found");
      return found;
    },
    async cancelEmail(_key, id) {
      up.cancelled.push(id);
      return mailbox(id, T0, { status: "CANCELLED" });
    },
    buy: () => Promise.reject(new Error("the settler never buys")),
    buyEmail: () => Promise.reject(new Error("the settler never buys")),
  };
  return new OrphanSettler({
    ids: store,
    upstream,
    keyRing,
    purchases: new PurchaseCoordinator("this-process"),
    log: pino({ level: "silent" }),
    purchaseTimeoutMs: 1000,
    giveUpAfterMs: 2 * 60 * 60_000,
    retentionMs: 24 * 60 * 60_000,
    sweepIntervalMs: 60_000,
    now: () => now,
    ...over,
  });
}

/** An intent of a process that is gone (its heartbeat never recorded here). */
const addIntent = (over: Partial<Parameters<SqliteIdStore["addIntent"]>[0]> = {}) =>
  store.addIntent({
    owner: OWNER,
    serviceCode: "tg",
    countryIso: "TR",
    upstreamTime: T0,
    createdAt: now - 500,
    instance: "dead-process",
    ...over,
  });
const orphanIntent = (upstreamTime = T0) => addIntent({ upstreamTime });

beforeEach(() => {
  store = openSqliteIdStore({ dataDir: mkdtempSync(join(tmpdir(), "settler-")), synchronous: "NORMAL" });
  now = Date.now();
  up = { pages: [], mailboxes: [], cancelled: [], upstreamNow: T0 + 60_000 };
});
afterEach(async () => {
  await store.close();
});

describe("which intents are settled at once", () => {
  it("an intent of a dead process: claimed and cancelled at once, not after the purchase deadline", async () => {
    const intentId = await orphanIntent();
    up.pages = [[activation("a1", T0 + 1000)]];
    const summary = await settler().sweep();
    expect(summary.results).toEqual(["cancelled"]);
    expect(up.cancelled).toEqual(["a1"]);
    expect(await store.openIntents()).toEqual([]);
    expect((await store.findByUpstream("a1", OWNER))?.numericId).toBe(1);
    expect(intentId).toBeTruthy();
  });

  it("an intent of a live replica is left to it, and the next sweep comes within its heartbeat", async () => {
    await store.heartbeat("other-replica", 60_000);
    await addIntent({ createdAt: now, instance: "other-replica" });
    up.pages = [[activation("a1", T0 + 1000)]];
    const summary = await settler().sweep();
    expect(summary).toMatchObject({ results: [], waiting: 1 });
    expect(summary.nextInMs).toBeLessThanOrEqual(5000);
    now += 3001; // purchase deadline (1 s) + clock margin (2 s) passed: still that replica's to settle
    expect((await settler().sweep()).results).toEqual([]);
    now += 10 * 60_000; // …unless it failed to for ten minutes
    expect((await settler().sweep()).results).toEqual(["cancelled"]);
  });

  it("an intent whose purchase is still in flight in this process is left alone", async () => {
    const coordinator = new PurchaseCoordinator("this-process");
    await addIntent({ intentId: "in-flight", createdAt: now, instance: "this-process" });
    up.pages = [[activation("a1", T0 + 1000)]];
    expect(await settler({ purchases: coordinator }).sweep()).toMatchObject({ results: [], waiting: 1 });
    coordinator.intentEnded("in-flight", { stillOpen: true });
    expect((await settler({ purchases: coordinator }).sweep()).results).toEqual(["cancelled"]);
  });

  it("an activation the intent's own purchase mapped but never delivered is cancelled", async () => {
    const intentId = await orphanIntent();
    await store.upsert("a1", OWNER, { intentId });
    await store.upsert("handed", OWNER, { intentId: "another-intent" });
    up.pages = [[activation("a1", T0 + 1000), activation("handed", T0 + 500)]];
    expect((await settler().sweep()).results).toEqual(["cancelled"]);
    expect(up.cancelled).toEqual(["a1"]);
  });

  it("an intent whose answer reached its client but could not be closed is closed, refunding nothing", async () => {
    const coordinator = new PurchaseCoordinator("this-process");
    await addIntent({ intentId: "answered", createdAt: now, instance: "this-process" });
    await store.upsert("a1", OWNER, { intentId: "answered" });
    up.pages = [[activation("a1", T0 + 1000)]];
    coordinator.intentDelivered("answered");
    const reported: string[] = [];
    const sweep = settler({ purchases: coordinator, onResult: (r) => reported.push(r) }).sweep();
    expect((await sweep).results).toEqual(["delivered"]);
    expect(reported).toEqual(["delivered"]); // counted in the metrics like every other ending
    expect(coordinator.wasDelivered("answered")).toBe(false); // forgotten once settled
    expect(up.cancelled).toEqual([]);
    expect(await store.openIntents()).toEqual([]);
  });

  it("an activation its purchase cancelled when the store failed is nobody's match: the intent closes", async () => {
    await orphanIntent();
    up.pages = [[activation("a1", T0 + 1000, { status: "CANCELLED" })]];
    expect((await settler().sweep()).results).toEqual(["nothing"]);
    expect(up.cancelled).toEqual([]);
    expect(await store.findByUpstream("a1", OWNER)).toBeUndefined();
    expect(await store.openIntents()).toEqual([]);
  });

  it("…and another lost purchase's live activation beside it is still claimed and cancelled", async () => {
    await orphanIntent();
    up.pages = [[activation("a2", T0 + 1500), activation("a1", T0 + 1000, { status: "CANCELLED" })]];
    expect((await settler().sweep()).results).toEqual(["cancelled"]);
    expect(up.cancelled).toEqual(["a2"]);
  });

  it("one that received a code first is kept (its charge is final) and the intent closed", async () => {
    await orphanIntent();
    up.pages = [[activation("a1", T0 + 1000, { status: "RECEIVED", smsCode: "12345" })]];
    expect((await settler().sweep()).results).toEqual(["kept"]);
    expect(up.cancelled).toEqual([]);
    expect(await store.openIntents()).toEqual([]);
  });

  it("waits out the cool-down, then cancels: the next sweep is due when it ends", async () => {
    await orphanIntent();
    up.pages = [
      [activation("a1", T0 + 1000, { cancellableAt: new Date(up.upstreamNow + 30_000).toISOString() })],
    ];
    const first = await settler().sweep();
    expect(first.results).toEqual(["pending"]);
    expect(first.nextInMs).toBeLessThanOrEqual(30_000);
    expect((await store.openIntents())[0]?.claimedUpstreamId).toBe("a1");
    up.upstreamNow += 30_000;
    expect((await settler().sweep()).results).toEqual(["cancelled"]);
    expect(up.cancelled).toEqual(["a1"]);
  });
});

describe("when a sweep is due after a nudge", () => {
  afterEach(() => vi.useRealTimers());

  async function cancelledAfter(nudge: (s: OrphanSettler) => void, ms: number): Promise<string[]> {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    await orphanIntent();
    up.pages = [[activation("a1", T0 + 1000)]];
    const s = settler();
    nudge(s);
    await vi.advanceTimersByTimeAsync(ms);
    await s.stop(); // waits for a sweep the timer started, cancels any still due
    return up.cancelled;
  }

  it("an owner's key seen again (after a restart, say): at once", async () => {
    expect(await cancelledAfter((s) => s.nudge(0), 0)).toEqual(["a1"]);
  });

  it("a purchase that left its intent open after an upstream failure: after 1 s, not before", async () => {
    expect(await cancelledAfter((s) => s.nudge(), 999)).toEqual([]);
  });

  it("…and at 1 s", async () => {
    expect(await cancelledAfter((s) => s.nudge(), 1000)).toEqual(["a1"]);
  });
});

describe("intents always end", () => {
  it("closes every intent of a key the upstream refuses (401)", async () => {
    await orphanIntent();
    await orphanIntent(T0 + 5000);
    up.listError = new UpstreamError("unauthorized", "Invalid API key", { status: 401 });
    expect((await settler().sweep()).results).toEqual(["refused", "refused"]);
    expect(await store.openIntents()).toEqual([]);
  });

  it("closes an intent when the pages end (nextCursor null) without a match, however many newer activations", async () => {
    await orphanIntent();
    const newer = Array.from({ length: 100 }, (_, i) => activation(`n${i}`, T0 + 120_000 + i * 1000));
    up.pages = [newer.slice(50).reverse(), newer.slice(0, 50).reverse()]; // two full-ish pages, all after the window
    expect((await settler().sweep()).results).toEqual(["nothing"]);
    expect(await store.openIntents()).toEqual([]);
  });

  it("keeps an intent whose purchase window is still open (a slow commit may still appear)", async () => {
    up.upstreamNow = T0 + 1000; // the window runs to T0 + 5 s
    await orphanIntent();
    const summary = await settler().sweep();
    expect(summary.results).toEqual(["pending"]);
    expect(summary.nextInMs).toBeLessThanOrEqual(1000);
    expect(await store.openIntents()).toHaveLength(1);
  });

  it("retries a failed listing with back-off: 1 s, then 2 s, then 4 s", async () => {
    await orphanIntent();
    up.listError = new UpstreamError("unavailable", "HTTP 503", { status: 503 });
    const s = settler();
    const delays = [];
    for (let i = 0; i < 3; i++) delays.push((await s.sweep()).nextInMs);
    expect(delays).toEqual([1000, 2000, 4000]);
    expect(await store.openIntents()).toHaveLength(1);
  });

  it("deletes closed intents after the retention period", async () => {
    const old = await orphanIntent();
    await store.closeIntent(old);
    expect(await store.pruneIntents(Date.now() - 1000)).toBe(0); // closed just now: kept
    now += 24 * 60 * 60_000 + 1000;
    await settler().sweep();
    expect(await store.pruneIntents(Date.now() + 1)).toBe(0); // the sweep pruned it already
  });
});

describe("mailboxes", () => {
  const mailboxIntent = (over: Partial<Parameters<SqliteIdStore["addIntent"]>[0]> = {}) =>
    addIntent({ product: "email", serviceCode: "telegram.com", countryIso: "gmx.com", ...over });

  it("an orphaned mailbox is found in the mailbox list, mapped as a mailbox and cancelled, never a number", async () => {
    await mailboxIntent();
    up.pages = [[activation("number-same-time", T0 + 1000)]];
    up.mailboxes = [mailbox("m1", T0 + 1000)];
    expect((await settler().sweep()).results).toEqual(["cancelled"]);
    expect(up.cancelled).toEqual(["m1"]);
    expect((await store.findByUpstream("m1", OWNER))?.product).toBe("email");
    expect(await store.findByUpstream("number-same-time", OWNER)).toBeUndefined();
  });

  it("a mailbox that received its email is kept, and one of another site is no match", async () => {
    await mailboxIntent();
    up.mailboxes = [
      mailbox("other-site", T0 + 900, { site: "google.com" }),
      mailbox("m1", T0 + 1000, { otpValue: "58213" }),
    ];
    expect((await settler().sweep()).results).toEqual(["kept"]);
    expect(up.cancelled).toEqual([]);
    expect(await store.findByUpstream("other-site", OWNER)).toBeUndefined();
  });

  it("a short mailbox list is the whole history: an intent with no match there is closed", async () => {
    await mailboxIntent();
    up.mailboxes = [mailbox("older", T0 - 60_000)];
    expect((await settler().sweep()).results).toEqual(["nothing"]);
    expect(await store.openIntents()).toEqual([]);
  });
});
