import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteIdStore } from "../../src/store/sqlite.js";
import { idStoreContract } from "./id-store.contract.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "smsgw-ids-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

let dataDir = tempDir();

idStoreContract("SqliteIdStore", async () => openSqliteIdStore({ dataDir }), {
  cleanup: async () => {
    dataDir = tempDir();
  },
  setLastId: async (lastId) => {
    const db = new Database(join(dataDir, "ids.sqlite"));
    try {
      const updated = db
        .prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = 'activations'")
        .run(lastId).changes;
      if (updated === 0)
        db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('activations', ?)").run(lastId);
    } finally {
      db.close();
    }
  },
});

describe("SqliteIdStore", () => {
  it("creates its data directory and uses WAL", async () => {
    const dir = join(tempDir(), "nested", "data");
    const store = openSqliteIdStore({ dataDir: dir, fileName: "custom.sqlite" });
    await store.upsert("up-1", "owner");
    expect(store.path).toBe(join(dir, "custom.sqlite"));
    expect(existsSync(store.path)).toBe(true);
    expect(await store.countIds()).toBe(1);
    await store.close();

    const db = new Database(store.path, { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });

  it("frees a webhook claim of a predecessor at once: one process per file, its heartbeat is gone", async () => {
    const dir = tempDir();
    const now = Date.now();
    const first = openSqliteIdStore({ dataDir: dir });
    await first.heartbeat("gw-old", 60_000);
    await first.enqueueWebhook({
      deliveryId: "wh-1",
      owner: "o",
      upstreamId: "up-1",
      payload: "{}",
      createdAt: now,
    });
    const claim = { now, leaseMs: 60_000, limit: 5 };
    expect(await first.claimWebhooks({ ...claim, instance: "gw-old" })).toHaveLength(1);
    await first.close(); // as kill -9 would leave it: the claim is still in the file
    const second = openSqliteIdStore({ dataDir: dir });
    await second.heartbeat("gw-new", 60_000);
    expect(await second.claimWebhooks({ ...claim, instance: "gw-new" })).toMatchObject([
      { deliveryId: "wh-1" },
    ]);
    await second.close();
  });

  it("keeps every id it handed out when the process is killed with SIGKILL", async () => {
    const compiled = resolve("dist/store/sqlite.js");
    if (!existsSync(compiled)) throw new Error(`${compiled} is missing: run \`npm run build\` first`);
    const dir = tempDir();
    const owner = "k".repeat(40);
    const script = `
      import { openSqliteIdStore } from ${JSON.stringify(pathToFileURL(compiled).href)};
      const store = openSqliteIdStore({ dataDir: ${JSON.stringify(dir)} });
      for (let i = 0; ; i++) {
        const { record } = await store.upsert("up-" + i, ${JSON.stringify(owner)}, { countryId: i % 250 });
        process.stdout.write(record.numericId + " " + record.upstreamId + "\\n");
      }`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<NodeJS.Signals | null>((done) =>
      child.once("exit", (_, signal) => done(signal)),
    );

    const printed: [number, string][] = [];
    for await (const line of createInterface({ input: child.stdout })) {
      const [id, upstreamId] = line.split(" ");
      printed.push([Number(id), upstreamId!]);
      if (printed.length === 300) child.kill("SIGKILL");
    }
    expect(await exited, stderr).toBe("SIGKILL");
    expect(printed.length).toBeGreaterThanOrEqual(300);

    const store = openSqliteIdStore({ dataDir: dir });
    for (const [numericId, upstreamId] of printed) {
      expect(await store.resolve(numericId, owner)).toMatchObject({ numericId, upstreamId });
    }
    // ids stay dense and the sequence continues after the last committed one
    const count = await store.countIds();
    expect(count).toBeGreaterThanOrEqual(printed.length);
    expect((await store.upsert("up-after-crash", owner)).record.numericId).toBe(count + 1);
    await store.close();
  });
});
