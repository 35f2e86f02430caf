import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { withRecordCache } from "../../src/store/record-cache.js";
import { openSqliteIdStore } from "../../src/store/sqlite.js";
import { idStoreContract } from "./id-store.contract.js";

const ALICE = "a".repeat(40);
const BOB = "b".repeat(40);
const open = () =>
  openSqliteIdStore({ dataDir: mkdtempSync(join(tmpdir(), "record-cache-")), synchronous: "NORMAL" });

// The cached store is an IdStore like any other.
let dataDir = mkdtempSync(join(tmpdir(), "record-cache-contract-"));
idStoreContract(
  "SqliteIdStore with the record cache",
  async () => withRecordCache(openSqliteIdStore({ dataDir })),
  {
    cleanup: async () => {
      dataDir = mkdtempSync(join(tmpdir(), "record-cache-contract-"));
    },
    setLastId: async (lastId) => {
      const db = new Database(join(dataDir, "ids.sqlite"));
      try {
        const sql = "UPDATE sqlite_sequence SET seq = ? WHERE name = 'activations'";
        if (db.prepare(sql).run(lastId).changes === 0)
          db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('activations', ?)").run(lastId);
      } finally {
        db.close();
      }
    },
  },
);

describe("withRecordCache", () => {
  it("answers a known record without the store, and never to another owner", async () => {
    const store = open();
    const reads: boolean[] = [];
    const cached = withRecordCache(store, { onRead: (hit) => reads.push(hit) });
    const { record } = await cached.upsert("up-1", ALICE);
    await store.close(); // from here on only the cache can answer
    expect(await cached.resolve(record.numericId, ALICE)).toEqual(record);
    expect(await cached.resolve(record.numericId, BOB)).toBeUndefined();
    expect(await cached.findByUpstream("up-1", ALICE)).toEqual(record);
    expect(await cached.recordOfUpstream("up-1")).toEqual(record);
    expect(reads).toEqual([true, true]);
  });

  it("keeps only records found: an id not mapped yet is asked again", async () => {
    const store = open();
    const cached = withRecordCache(store);
    expect(await cached.findByUpstream("up-later", ALICE)).toBeUndefined();
    await store.upsert("up-later", ALICE); // mapped behind the cache's back (another replica)
    expect((await cached.findByUpstream("up-later", ALICE))?.upstreamId).toBe("up-later");
    await store.close();
  });
});
