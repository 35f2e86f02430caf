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
`;

/** Columns added after the first release: added to older files on open. */
const ADDED_COLUMNS: [table: string, column: string, type: string][] = [
  ["intents", "instance", "TEXT"],
  ["intents", "claimed_upstream_id", "TEXT"],
  ["activations", "intent_id", "TEXT"],
];

interface ActivationRow {
  numeric_id: number;
  upstream_id: string;
  owner: string;
  created_at: number;
  country_id: number | null;
  intent_id: string | null;
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
    insertActivation: db.prepare<[string, string, number, number | null, string | null], ActivationRow>(
      `INSERT INTO activations (upstream_id, owner, created_at, country_id, intent_id) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (upstream_id) DO NOTHING RETURNING *`,
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
    addIntent: db.prepare<[string, string, string, string, number, number, string | null]>(
      `INSERT INTO intents (intent_id, owner, service_code, country_iso, upstream_time, created_at, instance)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
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
              claimed_upstream_id FROM intents
       WHERE closed_at IS NULL
         AND (@owner IS NULL OR owner = @owner)
         AND (@before IS NULL OR created_at < @before)
       ORDER BY created_at, rowid`,
    ),
    ping: db.prepare("SELECT 1"),
  };

  /** One process per file: the heartbeats of this process are the only live ones. */
  const heartbeats = new Map<string, number>();

  const upsertTx = db.transaction(
    (upstreamId: string, owner: string, countryId: number | null, intentId: string | null): UpsertResult => {
      const existing = stmt.byUpstream.get(upstreamId);
      if (existing) return { record: toRecord(existing), created: false };
      const last = stmt.lastId.get()?.seq ?? 0;
      if (last >= MAX_LEGACY_ID) throw new Error(`id space exhausted: ${last} ids handed out`);
      const inserted = stmt.insertActivation.get(upstreamId, owner, Date.now(), countryId, intentId);
      if (!inserted) throw new Error(`upsert of ${upstreamId} did not insert`);
      return { record: toRecord(inserted), created: true };
    },
  );

  return {
    path,

    async upsert(upstreamId, owner, extra) {
      // IMMEDIATE takes the write lock before the read, so another process cannot interleave
      return upsertTx.immediate(upstreamId, owner, extra?.countryId ?? null, extra?.intentId ?? null);
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
  return record;
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
  return intent;
}
