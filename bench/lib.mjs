// Helpers of the benchmark: the programs under test and the results table, child processes, /proc
// accounting, an open-loop paced load generator on node:http keep-alive agents, autocannon for
// closed loops, percentiles. Each scenario is a module in bench/scenarios/; run.mjs runs them.
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import http from "node:http";
import { createServer } from "node:net";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const log = (line) =>
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

/**
 * Others rebuild dist/ (rm -rf dist && tsc) while the bench runs: run every process from a private
 * copy of dist/ next to links to fixtures/ and src/console/public/ (dist resolves them relative to
 * itself), inside the repository so node_modules resolves as usual.
 */
export function snapshotDist() {
  const dir = join(ROOT, ".tmp", `bench-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(ROOT, "dist"), join(dir, "dist"), { recursive: true });
  symlinkSync(join(ROOT, "fixtures"), join(dir, "fixtures"));
  // the console's static page is read from src/console/public beside dist (no front-end build)
  mkdirSync(join(dir, "src/console"), { recursive: true });
  symlinkSync(join(ROOT, "src/console/public"), join(dir, "src/console/public"));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  process.on("exit", remove); // also when the run is interrupted or dist/ is incomplete
  for (const f of ["main.js", "sandbox/main.js", "store/sqlite.js", "common/owner.js"]) {
    if (!existsSync(join(dir, "dist", f))) throw new Error(`dist/${f} is missing: run npm run build`);
  }
  return { dist: join(dir, "dist"), remove };
}

// ---------------------------------------------------------------- the bench's own pieces

/** The sandbox account every scenario uses (a million in balance, no rate limit to speak of). */
export const KEY = "benchkey0000000000000000000000001";
export const STATUS_TOKEN = /^(STATUS_WAIT_CODE|STATUS_OK:\S+)$/;
export const isJson = (b) => b.startsWith("{") || b.startsWith("[");

const tmpDirs = [];
process.on("exit", removeTmpDirs);
/** A temporary directory, removed at the end of the run (or on exit). */
export function tmp(name) {
  const d = mkdtempSync(join(os.tmpdir(), `smsgw-bench-${name}-`));
  tmpDirs.push(d);
  return d;
}
export function removeTmpDirs() {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
}

/** A figure for the table, or "n/a". */
export const fmt = (x, unit = "", digits = 1) =>
  x === null || x === undefined || !Number.isFinite(x) ? "n/a" : `${x.toFixed(digits)}${unit}`;

/** The results table: one row per figure, with its baseline, ratio and goal (met/missed, or "—"). */
export function createTable() {
  const rows = [];
  return {
    rows,
    row(figure, value, baseline, ratio, goal, met) {
      rows.push({
        figure,
        value,
        baseline,
        ratio,
        goal: goal ?? "—",
        met: met === undefined ? "—" : met ? "met" : "MISSED",
      });
    },
    print() {
      const head = ["figure", "value", "baseline", "ratio", "goal", "met"];
      const cells = [head, ...rows.map((r) => [r.figure, r.value, r.baseline, r.ratio, r.goal, r.met])];
      const widths = head.map((_, i) => Math.max(...cells.map((c) => String(c[i]).length)));
      const line = (c) => `| ${c.map((x, i) => String(x).padEnd(widths[i])).join(" | ")} |`;
      const out = [
        line(head),
        `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
        ...cells.slice(1).map(line),
      ];
      process.stdout.write(`\n${out.join("\n")}\n`);
    },
  };
}

/**
 * The programs under test, started from the private copy of dist/ (`snapshotDist`): the sandbox,
 * gateways in front of it, and the bare baseline app.
 */
export function benchProcesses(dist) {
  return {
    async startSandbox(name, extraEnv = {}) {
      const port = await freePort();
      const p = await startProcess(
        name,
        [join(dist, "sandbox/main.js")],
        {
          SANDBOX_PORT: String(port),
          SANDBOX_HOST: "127.0.0.1",
          SANDBOX_ACCOUNTS: `${KEY}:1000000.00`,
          SANDBOX_RATE_LIMIT: "1000000",
          LOG_LEVEL: "warn",
          ...extraEnv,
        },
        port,
        "/sandbox",
      );
      return { ...p, apiBase: `${p.url}/api/v1` };
    },

    async startGateway(name, sandbox, env = {}, nodeArgs = []) {
      const port = await freePort();
      const p = await startProcess(
        name,
        [...nodeArgs, join(dist, "main.js")],
        {
          PORT: String(port),
          HOST: "127.0.0.1",
          UPSTREAM_URL: sandbox.apiBase,
          DATA_DIR: env.DATA_DIR ?? tmp(name),
          LOG_LEVEL: "warn",
          ...env,
        },
        port,
        "/healthz",
      );
      const legacy = `${p.url}/stubs/handler_api.php`;
      return { ...p, legacy, call: (q) => `${legacy}?${new URLSearchParams(q)}` };
    },

    async startBare() {
      const port = await freePort();
      return startProcess(
        "bare",
        [join(ROOT, "bench/bare-app.mjs")],
        { PORT: String(port), HOST: "127.0.0.1" },
        port,
      );
    },
  };
}

/** Buys through the gateway; returns { id, upstreamId }. */
export async function buy(gw, sandbox) {
  const { body } = await request(
    gw.call({ api_key: KEY, action: "getNumber", service: "tg", country: "62" }),
  );
  const m = /^ACCESS_NUMBER:(\d+):(\d+)$/.exec(body);
  if (!m) throw new Error(`getNumber answered ${body}`);
  const list = await json(`${sandbox.url}/sandbox/activations?apiKey=${KEY}`);
  const found = list.data.find((a) => a.phoneNumber === m[2]);
  if (!found) throw new Error(`activation on ${m[2]} not in the sandbox list`);
  return { id: m[1], upstreamId: found.id };
}

/** The sandbox's request counters by route, and their reset. */
export const upstreamStats = async (sandbox) => (await json(`${sandbox.url}/sandbox/stats`)).requests;
export const resetStats = (sandbox) =>
  json(`${sandbox.url}/sandbox/stats/reset`, { method: "POST", body: {} });

// ---------------------------------------------------------------- child processes

const children = new Set();
process.on("exit", () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130));

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Spawns `node <args>` with env; resolves once GET http://127.0.0.1:<port><readyPath> answers (any status). */
export async function startProcess(name, args, env, port, readyPath = "/") {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    cwd: ROOT,
  });
  children.add(child);
  let output = "";
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}):\n${output}`);
    try {
      await request(`${url}${readyPath}`, { timeoutMs: 500 });
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`${name} did not answer on ${url} within 15 s:\n${output}`);
      }
      await sleep(50);
    }
  }
  return {
    name,
    pid: child.pid,
    url,
    port,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 3000);
        await exited;
        clearTimeout(t);
      }
      children.delete(child);
    },
  };
}

/** utime + stime of a process, in seconds (/proc/<pid>/stat fields 14 and 15). */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state): utime is field 14 → index 11, stime field 15 → index 12
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** VmRSS and VmHWM (peak) of a process, in MB. */
export function memoryMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN) / 1024;
  return { rss: field("VmRSS"), hwm: field("VmHWM") };
}

/** VmRSS of a process in MB. */
export const rssMb = (pid) => memoryMb(pid).rss;

// ---------------------------------------------------------------- HTTP

/**
 * One request on a fresh connection (a pooled idle socket may be closed by the server just as it
 * is reused); resolves { status, body } (body as text).
 */
export function request(url, { method = "GET", headers = {}, body, timeoutMs = 30_000, agent = false } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${url}`)));
    req.on("error", reject);
    if (body !== undefined) req.end(typeof body === "string" ? body : JSON.stringify(body));
    else req.end();
  });
}

export async function json(url, opts = {}) {
  const headers = { ...(opts.body !== undefined && { "content-type": "application/json" }), ...opts.headers };
  const res = await request(url, { ...opts, headers });
  if (res.status >= 300)
    throw new Error(`${opts.method ?? "GET"} ${url} → ${res.status} ${res.body.slice(0, 300)}`);
  return JSON.parse(res.body);
}

/**
 * Open loop at a fixed rate: request i is sent at start + i / rate (whatever the answers do), on a
 * keep-alive agent of `connections` sockets; latency is measured from the send to the last byte.
 * `target(i)` → { url, headers? }; `check(body)` → true when the answer is valid; `offsetMs`
 * delays the schedule (two loads run side by side, interleaved). `agentOf(i)` instead of
 * `connections`: the caller's keep-alive agents (one per key, kept across calls); `onAnswer(i,
 * status, body, sentAt, doneAt)` sees every answer (performance.now() times).
 */
export async function paced({
  rate,
  durationMs,
  connections,
  target,
  check = () => true,
  offsetMs = 0,
  agentOf,
  onAnswer,
}) {
  const agent = agentOf
    ? undefined
    : new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const total = Math.round((rate * durationMs) / 1000);
  const latencies = new Float64Array(total);
  let done = 0;
  let invalid = 0;
  let errors = 0;
  const samples = [];
  let maxLagMs = 0;
  const start = performance.now() + offsetMs;
  let sent = 0;
  await new Promise((resolve) => {
    const fire = (i) => {
      const { url, headers } = target(i);
      const t0 = performance.now();
      const req = http.request(url, { headers, agent: agent ?? agentOf(i) }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c) => {
          body += c;
        });
        res.on("end", () => {
          const t1 = performance.now();
          latencies[i] = t1 - t0;
          onAnswer?.(i, res.statusCode, body, t0, t1);
          if (res.statusCode !== 200 || !check(body)) {
            invalid++;
            if (samples.length < 5) samples.push(`${res.statusCode} ${body.slice(0, 120)}`);
          }
          if (++done === total) resolve();
        });
      });
      req.on("error", (err) => {
        errors++;
        latencies[i] = Number.NaN;
        if (samples.length < 5) samples.push(String(err));
        if (++done === total) resolve();
      });
      req.end();
    };
    const tick = () => {
      const now = performance.now();
      const due = now < start ? 0 : Math.min(total, Math.floor(((now - start) * rate) / 1000) + 1);
      if (due > sent) maxLagMs = Math.max(maxLagMs, now - (start + ((due - 1) * 1000) / rate));
      while (sent < due) fire(sent++);
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  const elapsedS = (performance.now() - start) / 1000;
  agent?.destroy();
  const ok = Array.from(latencies).filter((x) => !Number.isNaN(x));
  return {
    sent: total,
    answered: done - errors,
    invalid,
    errors,
    samples,
    elapsedS,
    answersPerS: (done - errors) / elapsedS,
    maxSchedulerLagMs: maxLagMs,
    latencies: ok,
  };
}

/**
 * Closed loop with autocannon: `connections` keep-alive connections, each sending as soon as
 * answered. With `path` (a function), every request asks for the next path it returns (so that
 * concurrent requests can be spread over several activations); `url` is then the origin.
 */
export function cannon({ url, connections, durationS, headers, check, path }) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections,
        duration: durationS,
        headers,
        ...(check && { verifyBody: check }),
        ...(path && { requests: [{ method: "GET", setupRequest: (req) => ({ ...req, path: path() }) }] }),
      },
      (err, r) => {
        if (err) return reject(err);
        // mismatches (verifyBody false) are counted among the 2xx answers
        const good = Math.max(0, r["2xx"] - r.mismatches);
        resolve({
          requests: r.requests.total,
          good,
          mismatches: r.mismatches,
          non2xx: r.non2xx,
          errors: r.errors,
          timeouts: r.timeouts,
          durationS: r.duration,
          rps: good / r.duration,
        });
      },
    );
  });
}

// ---------------------------------------------------------------- statistics

export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export const sum = (xs) => xs.reduce((a, b) => a + b, 0);
/** The middle value (the mean of the two middle ones for an even count). */
export function median(values) {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}
export const round = (x, digits = 2) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);
