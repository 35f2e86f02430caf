import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { type LedgerUsage, RESERVATION_TTL_MS, type SpendLedger } from "./spend-ledger.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS spend (
  id          TEXT    PRIMARY KEY,
  owner       TEXT    NOT NULL,
  day         TEXT    NOT NULL,
  cents       INTEGER NOT NULL,
  state       TEXT    NOT NULL CHECK (state IN ('reserved', 'charged', 'refunded', 'ended')),
  upstream_id TEXT    UNIQUE,
  at          INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS spend_owner ON spend (owner, state);
CREATE INDEX IF NOT EXISTS spend_recent ON spend (owner, at);
CREATE INDEX IF NOT EXISTS spend_charged ON spend (at) WHERE state = 'charged';
`;

/** The spend ledger in its own SQLite file next to the id store (`DATA_DIR/spend.sqlite`). */
export function openSqliteSpendLedger(opts: { dataDir: string; fileName?: string }): SpendLedger {
  mkdirSync(opts.dataDir, { recursive: true });
  const db = new Database(join(opts.dataDir, opts.fileName ?? "spend.sqlite"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
  db.exec(SCHEMA);

  // A reservation older than RESERVATION_TTL_MS that nobody settled counts for nothing.
  const counted = "(state IN ('charged', 'ended') OR (state = 'reserved' AND at > @stale))";
  const stmt = {
    usage: db.prepare<
      { owner: string; day: string; stale: number; minuteAgo: number },
      { today: number | null; total: number | null; live: number; minute: number; reserved: number | null }
    >(
      `SELECT
         sum(CASE WHEN day = @day AND ${counted} THEN cents END) AS today,
         sum(CASE WHEN ${counted} THEN cents END) AS total,
         count(CASE WHEN state = 'charged' OR (state = 'reserved' AND at > @stale) THEN 1 END) AS live,
         count(CASE WHEN at > @minuteAgo THEN 1 END) AS minute,
         sum(CASE WHEN state = 'reserved' AND at > @stale THEN cents END) AS reserved
       FROM spend WHERE owner = @owner`,
    ),
    reserve: db.prepare<[string, string, string, number, number]>(
      "INSERT OR IGNORE INTO spend (id, owner, day, cents, state, at) VALUES (?, ?, ?, ?, 'reserved', ?)",
    ),
    settle: db.prepare<[string, number, string]>(
      `UPDATE spend SET upstream_id = ?, cents = ?, state = 'charged' WHERE id = ? AND state = 'reserved'`,
    ),
    // a reordered mailbox: its earlier charge is final and no longer live; the new one takes the id
    handOver: db.prepare<{ upstream: string; id: string }>(
      `UPDATE spend SET upstream_id = NULL, state = CASE state WHEN 'charged' THEN 'ended' ELSE state END
       WHERE upstream_id = @upstream AND id <> @id
         AND EXISTS (SELECT 1 FROM spend r WHERE r.id = @id AND r.state = 'reserved')`,
    ),
    charged: db.prepare<[number, number], { upstream_id: string; owner: string }>(
      `SELECT upstream_id, owner FROM spend WHERE state = 'charged' AND at < ? ORDER BY at LIMIT ?`,
    ),
    release: db.prepare<[string]>("DELETE FROM spend WHERE id = ? AND state = 'reserved'"),
    end: db.prepare<[string, string]>(
      "UPDATE spend SET state = ? WHERE upstream_id = ? AND state = 'charged'",
    ),
  };

  const usageOf = (owner: string, day: string, now: number): LedgerUsage => {
    const row = stmt.usage.get({ owner, day, stale: now - RESERVATION_TTL_MS, minuteAgo: now - 60_000 });
    return {
      todayCents: row?.today ?? 0,
      totalCents: row?.total ?? 0,
      live: row?.live ?? 0,
      lastMinute: row?.minute ?? 0,
      reservedCents: row?.reserved ?? 0,
    };
  };

  const reserveTx = db.transaction(
    (r: Parameters<SpendLedger["reserve"]>[0], limits: Parameters<SpendLedger["reserve"]>[1]) => {
      const u = usageOf(r.owner, r.day, r.at);
      if (limits.maxLive !== undefined && u.live >= limits.maxLive)
        return { ok: false as const, reason: "live" as const };
      if (limits.perMinute !== undefined && u.lastMinute >= limits.perMinute)
        return { ok: false as const, reason: "rate" as const };
      if (limits.dailyCents !== undefined && u.todayCents + r.cents > limits.dailyCents)
        return { ok: false as const, reason: "daily" as const };
      if (limits.totalCents !== undefined && u.totalCents + r.cents > limits.totalCents)
        return { ok: false as const, reason: "total" as const };
      stmt.reserve.run(r.id, r.owner, r.day, r.cents, r.at);
      return { ok: true as const };
    },
  );

  const settleTx = db.transaction((id: string, upstreamId: string, cents: number) => {
    stmt.handOver.run({ upstream: upstreamId, id });
    stmt.settle.run(upstreamId, cents, id);
  });

  return {
    async reserve(r, limits) {
      return reserveTx.immediate(r, limits);
    },
    async settle(id, upstreamId, cents) {
      // only a reservation is settled (a second settle, or one never reserved, changes nothing)
      settleTx.immediate(id, upstreamId, cents);
    },
    async release(id) {
      stmt.release.run(id);
    },
    async end(upstreamId, refunded) {
      stmt.end.run(refunded ? "refunded" : "ended", upstreamId);
    },
    async charged(before, limit) {
      return stmt.charged.all(before, limit).map((r) => ({ upstreamId: r.upstream_id, owner: r.owner }));
    },
    async usage(owner, day, now) {
      return usageOf(owner, day, now);
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
