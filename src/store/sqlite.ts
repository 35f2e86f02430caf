import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import {
  type ActivationRecord,
  type IdStore,
  MAX_LEGACY_ID,
  type OrderClaim,
  type PurchaseIntent,
  type UpsertResult,
  type WebhookDelivery,
} from "./id-store.js";

export interface SqliteIdStoreOptions {
  dataDir: string;
  /** default `ids.sqlite` */
  fileName?: string;
  /**
   * `FULL` (default) fsyncs the WAL on every commit: an id survives `kill -9` of the process and
   * also a power loss or kernel crash. `NORMAL` survives `kill -9` too (the commit is in the OS
   * page cache before the call returns) but an OS crash may drop the last commits. An id is
   * handed out once per paid purchase, so one fsync per mapping costs little next to the
   * upstream round trip, and losing an id a client already holds is the failure we must not have.
   */
  synchronous?: "FULL" | "NORMAL";
}

export interface SqliteIdStore extends IdStore {
  /** The file the store lives in. */
  readonly path: string;
  /** How many ids have been handed out (for tests and benchmarks). */
  countIds(): Promise<number>;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS activations (
  numeric_id  INTEGER PRIMARY KEY AUTOINCREMENT CHECK (numeric_id BETWEEN 1 AND ${MAX_LEGACY_ID}),
  upstream_id TEXT    NOT NULL UNIQUE,
  owner       TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  country_id  INTEGER
);
CREATE TABLE IF NOT EXISTS orders (
  owner      TEXT    NOT NULL,
  order_id   TEXT    NOT NULL,
  numeric_id INTEGER,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (owner, order_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS intents (
  intent_id     TEXT    PRIMARY KEY,
  owner         TEXT    NOT NULL,
  service_code  TEXT    NOT NULL,
  country_iso   TEXT    NOT NULL,
  upstream_time INTEGER NOT NULL,
  created_at    INTEGER NOT NULL,
  closed_at     INTEGER
);
CREATE INDEX IF NOT EXISTS intents_open ON intents (created_at) WHERE closed_at IS NULL;
CREATE INDEX IF NOT EXISTS intents_closed ON intents (closed_at) WHERE closed_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS webhooks (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  delivery_id TEXT    NOT NULL UNIQUE,
  owner       TEXT    NOT NULL,
  upstream_id TEXT    NOT NULL,
  payload     TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  next_at     INTEGER NOT NULL,
  state       TEXT    NOT NULL DEFAULT 'pending',
  claimed_by  TEXT,
  lease_until INTEGER,
  finished_at INTEGER
);
CREATE INDEX IF NOT EXISTS webhooks_queue ON webhooks (upstream_id, seq) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS webhooks_due ON webhooks (next_at) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS webhooks_finished ON webhooks (finished_at) WHERE state <> 'pending';
`;

/** Columns added after the first release: added to older files on open. */
const ADDED_COLUMNS: [table: string, column: string, type: string][] = [
  ["intents", "instance", "TEXT"],
  ["intents", "claimed_upstream_id", "TEXT"],
  ["activations", "intent_id", "TEXT"],
  ["activations", "product", "TEXT"],
  ["intents", "product", "TEXT"],
];

interface ActivationRow {
  numeric_id: number;
  upstream_id: string;
  owner: string;
  created_at: number;
  country_id: number | null;
  intent_id: string | null;
  product: string | null;
}

interface IntentRow {
  intent_id: string;
  owner: string;
  service_code: string;
  country_iso: string;
  upstream_time: number;
  created_at: number;
  instance: string | null;
  claimed_upstream_id: string | null;
  product: string | null;
}

interface WebhookRow {
  delivery_id: string;
  owner: string;
  upstream_id: string;
  payload: string;
  created_at: number;
  attempts: number;
  claimed_by: string | null;
  lease_until: number | null;
}

export function openSqliteIdStore(opts: SqliteIdStoreOptions): SqliteIdStore {
  mkdirSync(opts.dataDir, { recursive: true });
  const path = join(opts.dataDir, opts.fileName ?? "ids.sqlite");
  const db = new Database(path);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${opts.synchronous ?? "FULL"}`);
    // another process (a second gateway on the same volume, a migration) may hold the write lock briefly
    db.pragma("busy_timeout = 5000");
    db.exec(SCHEMA);
    for (const [table, column, type] of ADDED_COLUMNS) {
      const columns = db.prepare<[], { name: string }>(`PRAGMA table_info(${table})`).all();
      if (!columns.some((c) => c.name === column))
        db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
    }
  } catch (err) {
    db.close();
    throw err;
  }

  const stmt = {
    byId: db.prepare<[number], ActivationRow>("SELECT * FROM activations WHERE numeric_id = ?"),
    byUpstream: db.prepare<[string], ActivationRow>("SELECT * FROM activations WHERE upstream_id = ?"),
    lastId: db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'activations'"),
    insertActivation: db.prepare<
      [string, string, number, number | null, string | null, string | null],
      ActivationRow
    >(
      `INSERT INTO activations (upstream_id, owner, created_at, country_id, intent_id, product)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (upstream_id) DO NOTHING RETURNING *`,
    ),
    repoint: db.prepare<[string, number, string]>(
      `UPDATE OR IGNORE activations SET upstream_id = ? WHERE numeric_id = ? AND owner = ?`,
    ),
    countIds: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM activations"),
    claimOrder: db.prepare<[string, string, number]>(
      "INSERT OR IGNORE INTO orders (owner, order_id, created_at) VALUES (?, ?, ?)",
    ),
    orderId: db.prepare<[string, string], { numeric_id: number | null }>(
      "SELECT numeric_id FROM orders WHERE owner = ? AND order_id = ?",
    ),
    // an upsert, not an UPDATE: a purchase that happened is recorded even if its claim went missing
    completeOrder: db.prepare<[string, string, number, number]>(
      `INSERT INTO orders (owner, order_id, numeric_id, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (owner, order_id) DO UPDATE SET numeric_id = excluded.numeric_id`,
    ),
    releaseOrder: db.prepare<[string, string]>("DELETE FROM orders WHERE owner = ? AND order_id = ?"),
    addIntent: db.prepare<[string, string, string, string, number, number, string | null, string | null]>(
      `INSERT INTO intents (intent_id, owner, service_code, country_iso, upstream_time, created_at, instance,
                            product)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    markIntentClaimed: db.prepare<[string, string]>(
      "UPDATE intents SET claimed_upstream_id = ? WHERE intent_id = ? AND closed_at IS NULL",
    ),
    pruneIntents: db.prepare<[number]>("DELETE FROM intents WHERE closed_at IS NOT NULL AND closed_at < ?"),
    closeIntent: db.prepare<[number, string]>(
      "UPDATE intents SET closed_at = ? WHERE intent_id = ? AND closed_at IS NULL",
    ),
    openIntents: db.prepare<{ owner: string | null; before: number | null }, IntentRow>(
      `SELECT intent_id, owner, service_code, country_iso, upstream_time, created_at, instance,
              claimed_upstream_id, product FROM intents
       WHERE closed_at IS NULL
         AND (@owner IS NULL OR owner = @owner)
         AND (@before IS NULL OR created_at < @before)
       ORDER BY created_at, rowid`,
    ),
    enqueueWebhook: db.prepare<[string, string, string, string, number, number]>(
      `INSERT INTO webhooks (delivery_id, owner, upstream_id, payload, created_at, next_at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (delivery_id) DO NOTHING`,
    ),
    // the head (oldest pending delivery) of each activation that is due, oldest due first
    dueWebhooks: db.prepare<{ now: number; skip: string }, WebhookRow>(
      `SELECT w.delivery_id, w.owner, w.upstream_id, w.payload, w.created_at, w.attempts, w.claimed_by,
              w.lease_until FROM webhooks w
       WHERE w.state = 'pending' AND w.next_at <= @now
         AND w.owner NOT IN (SELECT value FROM json_each(@skip))
         AND w.seq = (SELECT min(e.seq) FROM webhooks e WHERE e.upstream_id = w.upstream_id AND e.state = 'pending')
       ORDER BY w.next_at, w.seq`,
    ),
    leaseWebhook: db.prepare<[string, number, string]>(
      "UPDATE webhooks SET claimed_by = ?, lease_until = ? WHERE delivery_id = ?",
    ),
    endWebhook: db.prepare<{ id: string; instance: string; state: string; attempts: number; now: number }>(
      `UPDATE webhooks SET state = @state, attempts = @attempts, finished_at = @now, claimed_by = NULL,
              lease_until = NULL
       WHERE delivery_id = @id AND state = 'pending' AND (@state = 'delivered' OR claimed_by = @instance)`,
    ),
    retryWebhook: db.prepare<{ id: string; instance: string; attempts: number; nextAt: number }>(
      `UPDATE webhooks SET attempts = @attempts, next_at = @nextAt, claimed_by = NULL, lease_until = NULL
       WHERE delivery_id = @id AND state = 'pending' AND claimed_by = @instance`,
    ),
    releaseWebhook: db.prepare<{ id: string; instance: string }>(
      `UPDATE webhooks SET claimed_by = NULL, lease_until = NULL
       WHERE delivery_id = @id AND state = 'pending' AND claimed_by = @instance`,
    ),
    webhookBacklog: db.prepare<[], { n: number; oldest: number | null }>(
      "SELECT count(*) AS n, min(created_at) AS oldest FROM webhooks WHERE state = 'pending'",
    ),
    pruneWebhooks: db.prepare<[number]>("DELETE FROM webhooks WHERE state <> 'pending' AND finished_at < ?"),
    ping: db.prepare("SELECT 1"),
  };

  /** One process per file: the heartbeats of this process are the only live ones. */
  const heartbeats = new Map<string, number>();

  /** A claim stands while its lease runs and its instance is alive (every other one is a predecessor). */
  const claimStands = (row: WebhookRow, instance: string, now: number) =>
    row.claimed_by !== null &&
    (row.lease_until ?? 0) > now &&
    (row.claimed_by === instance || (heartbeats.get(row.claimed_by) ?? 0) > now);

  const claimTx = db.transaction(
    (instance: string, now: number, leaseMs: number, limit: number, skip: readonly string[]) => {
      const claimed: WebhookDelivery[] = [];
      if (limit <= 0) return claimed;
      for (const row of stmt.dueWebhooks.iterate({ now, skip: JSON.stringify(skip) })) {
        if (claimStands(row, instance, now)) continue;
        claimed.push(toDelivery(row));
        if (claimed.length >= limit) break;
      }
      for (const d of claimed) stmt.leaseWebhook.run(instance, now + leaseMs, d.deliveryId);
      return claimed;
    },
  );

  const upsertTx = db.transaction(
    (
      upstreamId: string,
      owner: string,
      countryId: number | null,
      intentId: string | null,
      product: string | null,
    ): UpsertResult => {
      const existing = stmt.byUpstream.get(upstreamId);
      if (existing) return { record: toRecord(existing), created: false };
      const last = stmt.lastId.get()?.seq ?? 0;
      if (last >= MAX_LEGACY_ID) throw new Error(`id space exhausted: ${last} ids handed out`);
      const inserted = stmt.insertActivation.get(upstreamId, owner, Date.now(), countryId, intentId, product);
      if (!inserted) throw new Error(`upsert of ${upstreamId} did not insert`);
      return { record: toRecord(inserted), created: true };
    },
  );

  return {
    path,

    async upsert(upstreamId, owner, extra) {
      // IMMEDIATE takes the write lock before the read, so another process cannot interleave
      return upsertTx.immediate(
        upstreamId,
        owner,
        extra?.countryId ?? null,
        extra?.intentId ?? null,
        extra?.product ?? null,
      );
    },

    async repoint(numericId, owner, upstreamId) {
      return stmt.repoint.run(upstreamId, numericId, owner).changes === 1;
    },

    async resolve(numericId, owner) {
      if (!Number.isSafeInteger(numericId)) return undefined;
      const row = stmt.byId.get(numericId);
      return row && row.owner === owner ? toRecord(row) : undefined;
    },

    async findByUpstream(upstreamId, owner) {
      const row = stmt.byUpstream.get(upstreamId);
      return row && row.owner === owner ? toRecord(row) : undefined;
    },

    async recordOfUpstream(upstreamId) {
      const row = stmt.byUpstream.get(upstreamId);
      return row && toRecord(row);
    },

    async claimOrder(owner, orderId): Promise<OrderClaim> {
      if (stmt.claimOrder.run(owner, orderId, Date.now()).changes === 1) return { state: "claimed" };
      const numericId = stmt.orderId.get(owner, orderId)?.numeric_id ?? undefined;
      return numericId === undefined ? { state: "exists" } : { state: "exists", numericId };
    },

    async completeOrder(owner, orderId, numericId) {
      stmt.completeOrder.run(owner, orderId, numericId, Date.now());
    },

    async releaseOrder(owner, orderId) {
      stmt.releaseOrder.run(owner, orderId);
    },

    async addIntent(intent) {
      const intentId = intent.intentId ?? randomUUID();
      stmt.addIntent.run(
        intentId,
        intent.owner,
        intent.serviceCode,
        intent.countryIso,
        intent.upstreamTime,
        intent.createdAt,
        intent.instance ?? null,
        intent.product ?? null,
      );
      return intentId;
    },

    async markIntentClaimed(intentId, upstreamId) {
      stmt.markIntentClaimed.run(upstreamId, intentId);
    },

    async pruneIntents(closedBefore) {
      return stmt.pruneIntents.run(closedBefore).changes;
    },

    async heartbeat(instance, ttlMs) {
      heartbeats.set(instance, Date.now() + ttlMs);
    },

    async liveInstances() {
      const now = Date.now();
      return new Set([...heartbeats].filter(([, until]) => until > now).map(([instance]) => instance));
    },

    async closeIntent(intentId) {
      stmt.closeIntent.run(Date.now(), intentId);
    },

    async openIntents(filter = {}) {
      const rows = stmt.openIntents.all({
        owner: filter.owner ?? null,
        before: filter.createdBefore ?? null,
      });
      return rows.map(toIntent);
    },

    async enqueueWebhook(d) {
      return (
        stmt.enqueueWebhook.run(d.deliveryId, d.owner, d.upstreamId, d.payload, d.createdAt, d.createdAt)
          .changes === 1
      );
    },

    async claimWebhooks(claim) {
      return claimTx.immediate(claim.instance, claim.now, claim.leaseMs, claim.limit, claim.skipOwners ?? []);
    },

    async finishWebhook(deliveryId, instance, outcome, now) {
      const target = { id: deliveryId, instance };
      switch (outcome.state) {
        case "released":
          return stmt.releaseWebhook.run(target).changes === 1;
        case "retry":
          return (
            stmt.retryWebhook.run({ ...target, attempts: outcome.attempts, nextAt: outcome.nextAt })
              .changes === 1
          );
        default:
          return (
            stmt.endWebhook.run({ ...target, state: outcome.state, attempts: outcome.attempts, now })
              .changes === 1
          );
      }
    },

    async webhookBacklog() {
      const row = stmt.webhookBacklog.get();
      return { pending: row?.n ?? 0, oldestCreatedAt: row?.oldest ?? undefined };
    },

    async pruneWebhooks(finishedBefore) {
      return stmt.pruneWebhooks.run(finishedBefore).changes;
    },

    async countIds() {
      return stmt.countIds.get()?.n ?? 0;
    },

    async ping() {
      stmt.ping.get();
    },

    async close() {
      if (db.open) db.close();
    },
  };
}

function toRecord(row: ActivationRow): ActivationRecord {
  const record: ActivationRecord = {
    numericId: row.numeric_id,
    upstreamId: row.upstream_id,
    owner: row.owner,
    createdAt: row.created_at,
  };
  if (row.country_id !== null) record.countryId = row.country_id;
  if (row.intent_id !== null) record.intentId = row.intent_id;
  if (row.product === "email") record.product = "email";
  return record;
}

function toDelivery(row: WebhookRow): WebhookDelivery {
  return {
    deliveryId: row.delivery_id,
    owner: row.owner,
    upstreamId: row.upstream_id,
    payload: row.payload,
    createdAt: row.created_at,
    attempts: row.attempts,
  };
}

function toIntent(row: IntentRow): PurchaseIntent {
  const intent: PurchaseIntent = {
    intentId: row.intent_id,
    owner: row.owner,
    serviceCode: row.service_code,
    countryIso: row.country_iso,
    upstreamTime: row.upstream_time,
    createdAt: row.created_at,
  };
  if (row.instance !== null) intent.instance = row.instance;
  if (row.claimed_upstream_id !== null) intent.claimedUpstreamId = row.claimed_upstream_id;
  if (row.product === "email") intent.product = "email";
  return intent;
}
