// Profiles the gateway under one bench load and prints its top self-time functions.
//   node bench/profile.mjs [getStatus|getStatusCached|getPrices|fleet] [seconds] [--console]
// getStatus: shield off (STATUS_CACHE_MS=0), the translation path of scenarios 1 and 2;
// getStatusCached: shield at 1 s (the storm's path); getPrices: the warm catalogue. The tracker is
// off (TRACK_INTERVAL_MS=0) in these: they are the per-activation read paths. fleet: scenario 7's
// load on the tracker (20 keys × 50 activations, each polled every second, open loop, one agent per
// key; no SMS), the activations seeded as scenario 8 does (so that no purchase is in the profile:
// each one's first poll is a first-sight read).
// The gateway runs with --cpu-prof; the .cpuprofile is summarised by function and by file/package.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { agentsPerKey, fleetKeys, seedFleet, startFleetSandbox } from "./fleet.mjs";
import { benchProcesses, buy, cannon, json, KEY, log, paced, snapshotDist } from "./lib.mjs";

const positional = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const what = positional[0] ?? "getStatus";
const seconds = Number(positional[1] ?? 10);
// --console: the console records (CONSOLE_TOKEN set), as in scenario 9
const withConsole = process.argv.includes("--console");

const snap = snapshotDist();
const dir = mkdtempSync(join(os.tmpdir(), "smsgw-prof-"));
const profDir = join(dir, "prof");
const procs = [];
try {
  const start = benchProcesses(snap.dist);
  const fleetKeyList = fleetKeys("prof", 20);
  const sandbox =
    what === "fleet"
      ? await startFleetSandbox(start, "sandbox", fleetKeyList)
      : await start.startSandbox("sandbox");
  procs.push(sandbox);
  const fleet =
    what === "fleet" && (await seedFleet(sandbox, snap.dist, join(dir, "data"), fleetKeyList, 50));
  const gw = await start.startGateway(
    "gateway",
    sandbox,
    {
      DATA_DIR: join(dir, "data"),
      STATUS_CACHE_MS: what === "getStatusCached" ? "1000" : "0",
      // the per-activation read path, not the tracker's (but for the fleet)
      TRACK_INTERVAL_MS: what === "fleet" ? "1000" : "0",
      ...(withConsole && { CONSOLE_TOKEN: "profile-console-token-01" }),
    },
    ["--cpu-prof", `--cpu-prof-dir=${profDir}`],
  );
  procs.push(gw);
  if (fleet) {
    const { acts } = fleet;
    const agents = agentsPerKey(fleetKeyList);
    const urls = acts.map((x) => gw.call({ api_key: x.key, action: "getStatus", id: x.id }));
    log(`profiling the fleet: ${acts.length} activations polled every second, ${seconds} s`);
    const r = await paced({
      rate: acts.length,
      durationMs: seconds * 1000,
      target: (i) => ({ url: urls[i % acts.length] }),
      agentOf: (i) => agents[acts[i % acts.length].k],
      check: (b) => b === "STATUS_WAIT_CODE",
    });
    for (const a of agents) a.destroy();
    log(
      `${r.answered} answers (${r.invalid} invalid), ${Math.round(r.answersPerS)}/s; sandbox stats: ${JSON.stringify((await json(`${sandbox.url}/sandbox/stats`)).requests)}`,
    );
  } else {
    // as in the bench: requests spread over 20 activations (concurrent reads of one are coalesced)
    const ids = [];
    for (let i = 0; i < 20; i++) ids.push((await buy(gw, sandbox)).id);
    let n = 0;
    const path =
      what === "getPrices"
        ? () => "/stubs/handler_api.php?action=getPrices&service=tg&country=62"
        : () => `/stubs/handler_api.php?api_key=${KEY}&action=getStatus&id=${ids[n++ % ids.length]}`;
    log(`profiling ${what}: ${gw.url}${path()} … — autocannon, 10 connections, ${seconds} s`);
    const r = await cannon({ url: gw.url, path, connections: 10, durationS: seconds });
    log(
      `${r.good} answers, ${Math.round(r.rps)} req/s; sandbox stats: ${JSON.stringify((await json(`${sandbox.url}/sandbox/stats`)).requests)}`,
    );
  }
  await gw.stop(); // SIGTERM → graceful exit → the profile is written
  procs.pop();
  const file = readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error("no .cpuprofile written");
  summarise(JSON.parse(readFileSync(join(profDir, file), "utf8")));
} finally {
  for (const p of procs.reverse()) await p.stop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
  snap.remove();
}

function summarise(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (dt[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = new Set(["(idle)", "(program)", "(garbage collector)"]);
  const where = (url) =>
    url
      .replace(/^file:\/\//, "")
      .replace(/.*\/\.tmp\/bench-\d+\/dist\//, "src/")
      .replace(/\.js$/, ".ts")
      .replace(/.*\/node_modules\//, "node_modules/");
  const fn = new Map();
  const file = new Map();
  for (const [id, us] of self) {
    const n = byId.get(id);
    const name = n.callFrame.functionName || "(anonymous)";
    const url = n.callFrame.url;
    const key = idle.has(name) ? name : `${where(url) || "(native)"}:${name}:${n.callFrame.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const pkg = idle.has(name)
      ? name
      : !url
        ? "(native)"
        : url.includes("/node_modules/")
          ? `node_modules/${/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)[1]}`
          : url.startsWith("node:")
            ? url
            : where(url);
    file.set(pkg, (file.get(pkg) ?? 0) + us);
  }
  const busy = total - (fn.get("(idle)") ?? 0);
  const print = (title, m, n) => {
    process.stdout.write(`\n${title} (% of non-idle samples, ${(busy / 1e6).toFixed(2)} s)\n`);
    for (const [k, us] of [...m]
      .filter(([k]) => k !== "(idle)")
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)) {
      process.stdout.write(`${((100 * us) / busy).toFixed(1).padStart(6)} %  ${k}\n`);
    }
  };
  print("top self time by function", fn, 30);
  // inclusive time of the gateway's own functions (src/…): self time of the function and of
  // everything it called, each sample counted once per function even under recursion
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const srcKey = (n) => {
    const url = n.callFrame.url;
    if (!/\/\.tmp\/bench-\d+\/dist\//.test(url)) return undefined;
    return `${where(url)}:${n.callFrame.functionName || "(anonymous)"}:${n.callFrame.lineNumber + 1}`;
  };
  const incl = new Map();
  for (const [id, us] of self) {
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const k = srcKey(byId.get(cur));
      if (k && !seen.has(k)) {
        seen.add(k);
        incl.set(k, (incl.get(k) ?? 0) + us);
      }
    }
  }
  print("inclusive time of src/ functions", incl, 25);
  // who pays for the heaviest native functions (socket writes, mostly): the nearest JS caller
  const natives = [...fn].filter(([k]) => k.startsWith("(native)")).sort((a, b) => b[1] - a[1]);
  for (const [k] of natives.slice(0, 2)) {
    const callers = new Map();
    for (const [id, us] of self) {
      const n = byId.get(id);
      if (`(native):${n.callFrame.functionName || "(anonymous)"}:${n.callFrame.lineNumber + 1}` !== k)
        continue;
      const chain = [];
      for (let cur = parent.get(id); cur !== undefined && chain.length < 40; cur = parent.get(cur)) {
        const f = byId.get(cur).callFrame;
        if (f.url) chain.push(`${where(f.url)}:${f.functionName || "(anonymous)"}`);
      }
      const mine = chain.find((c) => c.startsWith("src/") || c.startsWith("node_modules/")) ?? "(none)";
      const key = `${chain.slice(0, 2).join(" ← ")}  …← ${mine}`;
      callers.set(key, (callers.get(key) ?? 0) + us);
    }
    print(`callers of ${k}`, callers, 6);
  }
  print("self time by file / package", file, 20);
}
