// `npm run bench`: what the gateway costs and what it saves.
// Sandbox, gateways and the bare baseline run as separate processes on 127.0.0.1; every figure is
// measured beside its baseline in the same run, in interleaved rounds, and reported as a ratio.
// Each scenario is a module in bench/scenarios/ exporting run(context); this file starts the
// shared processes, runs the scenarios in order, prints the table and writes
// bench/results/latest.json.
// Options: --only=1,2,… runs some scenarios (numbers or keys: --only=4,fleet); --quick shortens every
// phase (for trying the script).
import { renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { benchProcesses, buy, createTable, log, ROOT, removeTmpDirs, round, snapshotDist } from "./lib.mjs";
import * as addedLatency from "./scenarios/added-latency.mjs";
import * as cachedCatalogue from "./scenarios/cached-catalogue.mjs";
import * as coldCatalogue from "./scenarios/cold-catalogue.mjs";
import * as consoleOverhead from "./scenarios/console-overhead.mjs";
import * as fleet from "./scenarios/fleet.mjs";
import * as fleet10k from "./scenarios/fleet10k.mjs";
import * as memory from "./scenarios/memory.mjs";
import * as pollingStorm from "./scenarios/polling-storm.mjs";
import * as translationCost from "./scenarios/translation-cost.mjs";

/** number, key in latest.json, title, and the module that measures it */
const SCENARIOS = [
  [1, "translationCost", "translation cost (CPU per request)", translationCost],
  [2, "addedLatency", "added latency and translated throughput", addedLatency],
  [3, "cachedCatalogue", "cached catalogue", cachedCatalogue],
  [4, "pollingStorm", "polling storm", pollingStorm],
  [5, "coldCatalogue", "cold catalogue", coldCatalogue],
  [6, "memory", "memory and id-store lookups", memory],
  [7, "fleet", "fleet: 20 keys × 50 activations polled every second, tracker vs shield", fleet],
  [8, "fleet10k", "fleet of 10k: 100 keys × 100 activations polled every 5 s", fleet10k],
  [9, "consoleOverhead", "console overhead: CPU per request, off vs recording", consoleOverhead],
];

const args = process.argv.slice(2);
const only = args
  .find((a) => a.startsWith("--only="))
  ?.slice(7)
  .split(",")
  .map((x) => x.trim());
const QUICK = args.includes("--quick");
const runs = (n, key) => !only || only.includes(String(n)) || only.includes(key);
const S = QUICK ? 0.3 : 1; // duration scale

const T0 = Date.now();
const results = {
  machine: {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    memoryMb: Math.round(os.totalmem() / 2 ** 20),
    kernel: os.release(),
  },
  node: process.version,
  date: new Date().toISOString(),
  command: "npm run bench",
  scenarios: {},
  table: [],
  durationS: null,
};
const table = createTable();

function writeResults() {
  results.table = table.rows;
  results.durationS = round((Date.now() - T0) / 1000, 1);
  const file = join(ROOT, "bench/results/latest.json");
  writeFileSync(`${file}.tmp`, `${JSON.stringify(results, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  return file;
}

async function main() {
  log(
    `machine: ${results.machine.cpu}, ${results.machine.cores} cores, ${results.machine.memoryMb} MB; node ${process.version}`,
  );
  const snap = snapshotDist();
  const { dist } = snap;
  const procs = benchProcesses(dist);
  const started = [];
  let failed = false;
  try {
    const sandbox = await procs.startSandbox("sandbox");
    started.push(sandbox);
    // scenarios 1 and 2 measure the per-activation read path: tracker and shield off
    const gw = await procs.startGateway("gateway", sandbox, { STATUS_CACHE_MS: "0", TRACK_INTERVAL_MS: "0" });
    started.push(gw);
    const bare = await procs.startBare();
    started.push(bare);
    const acts = [];
    for (let i = 0; i < 20; i++) acts.push(await buy(gw, sandbox));
    log(
      `processes: sandbox pid ${sandbox.pid}, gateway pid ${gw.pid} (STATUS_CACHE_MS=0, TRACK_INTERVAL_MS=0), bare app pid ${bare.pid}; ${acts.length} activations bought`,
    );
    const ctx = { sandbox, gw, bare, acts, procs, dist, S, row: table.row };
    for (const [n, key, title, { run }] of SCENARIOS) {
      if (!runs(n, key)) continue;
      const t = Date.now();
      log(`scenario ${n}: ${title}`);
      try {
        results.scenarios[key] = await run(ctx);
      } catch (err) {
        failed = true;
        results.scenarios[key] = { error: String(err?.stack ?? err) };
        table.row(
          `${n} ${title}`,
          `FAILED: ${String(err?.message ?? err)
            .split("\n")[0]
            .slice(0, 60)}`,
          "—",
          "—",
        );
        log(`scenario ${n} failed: ${err?.stack ?? err}`);
      }
      log(`scenario ${n} done in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    }
  } finally {
    for (const p of started.reverse()) await p.stop().catch(() => {});
    removeTmpDirs();
    snap.remove();
  }
  const file = writeResults();
  table.print();
  process.stdout.write(`\nwritten: ${file}\ntotal: ${results.durationS} s\n`);
  if (failed) process.exitCode = 1;
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err?.stack ?? err}\n`);
  process.exit(1);
});
