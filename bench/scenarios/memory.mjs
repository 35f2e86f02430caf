// Scenario 6 of `npm run bench` (memory and id-store lookups): bench/run.mjs runs it, bench/README.md
// says how it is measured.
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { buy, fmt, freePort, KEY, log, paced, percentile, round, rssMb, sleep, tmp } from "../lib.mjs";

/** (6) Gateway RSS with 100,000 ids in the SQLite store; id-store lookup p99, SQLite and Redis. */
export async function run({ sandbox, bare, procs, dist, S, row }) {
  const N = 100_000;
  const { openSqliteIdStore } = await import(pathToFileURL(join(dist, "store/sqlite.js")).href);
  const { ownerOf } = await import(pathToFileURL(join(dist, "common/owner.js")).href);
  const owner = ownerOf(KEY);
  const seeded = tmp("seeded");
  log(`  seeding ${N} ids into ${seeded}/ids.sqlite`);
  const t0 = performance.now();
  const Database = (await import("better-sqlite3")).default;
  {
    // the store creates the file and schema, and hands out the first ids through upsert(); the rest
    // are inserted in one transaction with the same columns (100k upserts, each its own
    // transaction, take longer than the whole bench should)
    const store = openSqliteIdStore({ dataDir: seeded, synchronous: "NORMAL" });
    for (let i = 0; i < 1000; i++) await store.upsert(`bench-seed-${i}`, owner, { countryId: 62 });
    await store.close();
    const db = new Database(join(seeded, "ids.sqlite"));
    const insert = db.prepare(
      "INSERT INTO activations (upstream_id, owner, created_at, country_id) VALUES (?, ?, ?, 62)",
    );
    db.transaction(() => {
      for (let i = 1000; i < N; i++) insert.run(`bench-seed-${i}`, owner, Date.now());
    })();
    db.close();
    const check = openSqliteIdStore({ dataDir: seeded });
    const count = await check.countIds();
    const last = await check.resolve(N, owner);
    const next = await check.upsert("bench-seed-next", owner);
    await check.close();
    if (count !== N || last?.upstreamId !== `bench-seed-${N - 1}` || next.record.numericId !== N + 1) {
      throw new Error(
        `seeded store is inconsistent: ${count} ids, id ${N} → ${last?.upstreamId}, next id ${next.record.numericId}`,
      );
    }
  }
  const seedSqliteS = (performance.now() - t0) / 1000;

  /** Start a gateway on dataDir, touch the store (random getStatus, a purchase), read VmRSS. */
  const measure = async (name, dataDir, n) => {
    const gw = await procs.startGateway(name, sandbox, { DATA_DIR: dataDir });
    try {
      await buy(gw, sandbox);
      const ids = (i) => String(1 + ((i * 7919) % Math.max(1, n)));
      await paced({
        rate: 500,
        durationMs: 4000 * S,
        connections: 16,
        target: (i) => ({ url: gw.call({ api_key: KEY, action: "getStatus", id: ids(i) }) }),
      });
      await sleep(200);
      return rssMb(gw.pid);
    } finally {
      await gw.stop();
    }
  };
  log(`  RSS: gateway on the seeded store, then on an empty store (same requests)`);
  const rss = await measure("gateway-100k", seeded, N);
  const rssEmpty = await measure("gateway-empty", tmp("empty"), 0);
  const rssBare = rssMb(bare.pid);

  // id-store lookups, in process
  const LOOKUPS = Math.round(20_000 * S);
  const randomId = () => 1 + Math.floor(Math.random() * N);
  const time = async (fn) => {
    const xs = new Float64Array(LOOKUPS);
    for (let i = 0; i < 2000; i++) await fn(randomId()); // warm-up
    for (let i = 0; i < LOOKUPS; i++) {
      const id = randomId();
      const s = performance.now();
      await fn(id);
      xs[i] = (performance.now() - s) * 1000;
    }
    return { p50: percentile(xs, 50), p99: percentile(xs, 99) };
  };
  log(`  id-store lookups: ${LOOKUPS} resolve() of random ids, SQLite`);
  const store = openSqliteIdStore({ dataDir: seeded });
  const raw = new Database(join(seeded, "ids.sqlite"), { readonly: true });
  const rawStmt = raw.prepare("SELECT * FROM activations WHERE numeric_id = ?");
  let miss = 0;
  const sqlite = await time(async (id) => {
    if ((await store.resolve(id, owner)) === undefined) miss++;
  });
  const sqliteRaw = await time(async (id) => rawStmt.get(id));
  await store.close();
  raw.close();

  let redis = { skipped: "no redis-server on PATH" };
  if (!spawnSync("redis-server", ["--version"]).error) {
    log(`  id-store lookups: Redis (seeding ${N} ids through upsert)`);
    redis = await redisLookups(dist, N, owner, time);
  } else {
    log(`  skipped: no redis-server`);
  }

  const out = {
    method: `VmRSS from /proc/<pid>/status after a purchase and ${Math.round(2000 * S)} getStatus of spread ids (500 req/s); lookups: resolve() in process, ${LOOKUPS} random ids of ${N}, timed one by one`,
    idsSeeded: N,
    seedSqliteS: round(seedSqliteS, 1),
    gatewayRssMb: round(rss, 1),
    gatewayRssEmptyStoreMb: round(rssEmpty, 1),
    bareRssMb: round(rssBare, 1),
    sqlite: {
      resolveP50Us: round(sqlite.p50, 1),
      resolveP99Us: round(sqlite.p99, 1),
      rawSelectP50Us: round(sqliteRaw.p50, 1),
      rawSelectP99Us: round(sqliteRaw.p99, 1),
      misses: miss,
    },
    redis,
    goal: "RSS at 100k ids ≤ 200 MB",
    met: rss <= 200,
  };
  row(
    "6 gateway RSS, 100k ids in SQLite",
    fmt(rss, " MB"),
    fmt(rssEmpty, " MB empty store"),
    fmt(rss / rssEmpty, "×", 2),
    "≤ 200 MB",
    out.met,
  );
  row(
    "6 SQLite resolve() p99",
    fmt(sqlite.p99, " µs"),
    fmt(sqliteRaw.p99, " µs raw select"),
    fmt(sqlite.p99 / sqliteRaw.p99, "×", 2),
  );
  if (redis.skipped) row("6 Redis resolve() p99", `skipped: ${redis.skipped}`, "—", "—");
  else
    row(
      "6 Redis resolve() p99",
      fmt(redis.resolveP99Us, " µs"),
      fmt(redis.pingP99Us, " µs PING"),
      fmt(redis.resolveP99Us / redis.pingP99Us, "×", 2),
    );
  return out;
}

async function redisLookups(dist, N, owner, time) {
  const { openRedisIdStore } = await import(pathToFileURL(join(dist, "store/redis.js")).href);
  const dir = tmp("redis");
  const port = await freePort();
  const child = spawn(
    "redis-server",
    ["--save", "", "--appendonly", "no", "--dir", dir, "--port", String(port), "--bind", "127.0.0.1"],
    {
      stdio: "ignore",
    },
  );
  const exited = new Promise((r) => child.once("exit", r));
  const { Redis } = await import("ioredis");
  let store;
  let client;
  try {
    const url = `redis://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        store = await openRedisIdStore({ url });
        break;
      } catch (err) {
        if (i > 100) throw err;
        await sleep(50);
      }
    }
    const t0 = performance.now();
    // the first ids through upsert(); the rest pipelined with the store's key layout (see
    // src/store/redis.ts: seq, id:<n> hash, up:<upstreamId>), then checked through the store
    for (let i = 0; i < 1000; i += 100) {
      const ps = [];
      for (let j = i; j < i + 100; j++) ps.push(store.upsert(`bench-seed-${j}`, owner, { countryId: 62 }));
      await Promise.all(ps);
    }
    client = new Redis(url);
    const prefix = store.keyPrefix;
    for (let i = 1000; i < N; i += 10_000) {
      const pipe = client.pipeline();
      for (let j = i; j < Math.min(N, i + 10_000); j++) {
        const up = `bench-seed-${j}`;
        pipe.hset(
          `${prefix}id:${j + 1}`,
          "upstreamId",
          up,
          "owner",
          owner,
          "createdAt",
          String(Date.now()),
          "countryId",
          "62",
        );
        pipe.set(`${prefix}up:${up}`, String(j + 1));
      }
      await pipe.exec();
    }
    await client.set(`${prefix}seq`, String(N));
    const last = await store.resolve(N, owner);
    const next = await store.upsert("bench-seed-next", owner);
    if (last?.upstreamId !== `bench-seed-${N - 1}` || next.record.numericId !== N + 1) {
      throw new Error(
        `seeded Redis store is inconsistent: id ${N} → ${last?.upstreamId}, next id ${next.record.numericId}`,
      );
    }
    const seedS = (performance.now() - t0) / 1000;
    let miss = 0;
    const r = await time(async (id) => {
      if ((await store.resolve(id, owner)) === undefined) miss++;
    });
    const ping = await time(() => client.ping());
    return {
      seedS: round(seedS, 1),
      resolveP50Us: round(r.p50, 1),
      resolveP99Us: round(r.p99, 1),
      pingP50Us: round(ping.p50, 1),
      pingP99Us: round(ping.p99, 1),
      misses: miss,
    };
  } finally {
    client?.disconnect();
    await store?.close();
    child.kill("SIGTERM");
    await exited;
  }
}
