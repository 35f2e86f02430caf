// The fleet's pieces, shared by scenarios 7 (`fleet`) and 8 (`fleet10k`): a sandbox with one account
// per key and no automatic SMS, purchases through the gateway, a seeded SMS schedule delivered
// through the control route, and one measured polling window (every activation polled once per
// period by its own poller, open loop, one keep-alive agent per key) whose every answer is checked.
import http from "node:http";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  cpuSeconds,
  json,
  log,
  paced,
  percentile,
  request,
  resetStats,
  round,
  sleep,
  upstreamStats,
} from "./lib.mjs";

/** Offers the purchases are spread over (country 62 = Turkey, thousands in stock each). */
const OFFERS = ["tg", "wa", "go"];

/** A small seeded generator (mulberry32): the same schedule in every run and in both phases. */
export function seeded(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` sandbox keys, distinct per fleet (`tag`). */
export const fleetKeys = (tag, count) =>
  Array.from({ length: count }, (_, k) => `bench${tag}key${String(k).padStart(4, "0")}`.padEnd(32, "0"));

/** A sandbox for a fleet: one account per key, no automatic SMS, activations that outlive the run. */
export function startFleetSandbox(procs, name, keys) {
  return procs.startSandbox(name, {
    SANDBOX_ACCOUNTS: keys.map((k) => `${k}:100000.00`).join(","),
    SANDBOX_AUTO_SMS: "false",
    SANDBOX_ACTIVATION_TTL_S: "7200",
  });
}

/**
 * Buys `perKey` activations for every key through the gateway (getNumber, the offers in turn),
 * `lanes` purchases in flight per key; then reads each key's activations from the sandbox once to
 * learn their upstream ids. Returns them interleaved by key (k0a0, k1a0, …, k0a1, …), so that
 * consecutive polls go to different keys, with the seconds it took.
 */
export async function buyFleet(gw, sandbox, keys, perKey, lanes) {
  const t0 = performance.now();
  const byKey = keys.map(() => []);
  const failures = [];
  await Promise.all(
    keys.map((key, k) =>
      Promise.all(
        Array.from({ length: lanes }, async (_, lane) => {
          for (let a = lane; a < perKey; a += lanes) {
            const service = OFFERS[(k + a) % OFFERS.length];
            let body = "";
            for (let attempt = 0; attempt < 3; attempt++) {
              body = (await request(gw.call({ api_key: key, action: "getNumber", service, country: "62" })))
                .body;
              if (body.startsWith("ACCESS_NUMBER:")) break;
            }
            const m = /^ACCESS_NUMBER:(\d+):(\d+)$/.exec(body);
            if (!m) {
              failures.push(body.slice(0, 80));
              continue;
            }
            byKey[k][a] = { key, k, a, id: m[1], phone: m[2] };
          }
        }),
      ),
    ),
  );
  if (failures.length > 0)
    throw new Error(`${failures.length} getNumber failed, e.g. ${JSON.stringify(failures[0])}`);
  for (const [k, key] of keys.entries()) {
    const listed = (await json(`${sandbox.url}/sandbox/activations?apiKey=${key}`)).data;
    const byPhone = new Map(listed.map((x) => [x.phoneNumber, x.id]));
    for (const act of byKey[k]) {
      act.upstreamId = byPhone.get(act.phone);
      if (!act.upstreamId) throw new Error(`activation on ${act.phone} (key ${k}) not in the sandbox`);
    }
  }
  const acts = [];
  for (let a = 0; a < perKey; a++) for (let k = 0; k < keys.length; k++) acts.push(byKey[k][a]);
  return { acts, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Seeds a fleet without the gateway's purchase path (10,000 getNumber through it take minutes on a
 * small machine): buys on the sandbox's native API with each key (`inFlight` at a time), then
 * writes the gateway's id store in `dataDir` through the store's own upsert (dist/store/sqlite.js,
 * synchronous=NORMAL), as a gateway that bought them before a restart would have it. The gateway
 * started on `dataDir` then meets each activation at its first poll (a first-sight read). Returns
 * the activations interleaved by key, their legacy ids 1…n in that order, and the seconds each
 * step took.
 */
export async function seedFleet(sandbox, dist, dataDir, keys, perKey, inFlight = 32) {
  const { openSqliteIdStore } = await import(pathToFileURL(join(dist, "store/sqlite.js")).href);
  const { ownerOf } = await import(pathToFileURL(join(dist, "common/owner.js")).href);
  const t0 = performance.now();
  const agent = new http.Agent({ keepAlive: true, maxSockets: inFlight });
  const acts = [];
  for (let a = 0; a < perKey; a++) for (let k = 0; k < keys.length; k++) acts.push({ key: keys[k], k, a });
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < acts.length) {
          const act = acts[next++];
          const bought = await json(`${sandbox.apiBase}/activations`, {
            method: "POST",
            agent,
            headers: { "x-api-key": act.key },
            body: { serviceCode: OFFERS[(act.k + act.a) % OFFERS.length], countryIso: "TR" },
          });
          act.upstreamId = bought.id;
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  const t1 = performance.now();
  const store = openSqliteIdStore({ dataDir, synchronous: "NORMAL" });
  try {
    for (const act of acts) {
      const { record } = await store.upsert(act.upstreamId, ownerOf(act.key), { countryId: 62 });
      act.id = String(record.numericId);
    }
  } finally {
    await store.close();
  }
  return { acts, buyS: (t1 - t0) / 1000, storeS: (performance.now() - t1) / 1000 };
}

/**
 * The SMS schedule: `count` activations chosen at random, each with a moment in
 * [fromMs, toMs) of the window and a code of its own: "9" + key (3 digits) + activation of that key
 * (3 digits) + one random digit, so that a wrong code says whose it was.
 */
export function smsSchedule(acts, count, fromMs, toMs, seed) {
  const random = seeded(seed);
  const order = acts.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order
    .slice(0, Math.min(count, acts.length))
    .map((i) => ({
      index: i,
      atMs: fromMs + random() * (toMs - fromMs),
      code: `9${String(acts[i].k).padStart(3, "0")}${String(acts[i].a).padStart(3, "0")}${Math.floor(random() * 10)}`,
    }))
    .sort((x, y) => x.atMs - y.atMs);
}
const keyOfCode = (code) => (/^9\d{7}$/.test(code) ? Number(code.slice(1, 4)) : undefined);

/** Delivers the schedule through POST /sandbox/sms, each at windowStart + atMs; records when each was answered. */
async function deliver(sandbox, schedule, windowStart, sentAt, deliveredAt, acts) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const errors = [];
  const pending = [];
  for (const sms of schedule) {
    const wait = windowStart + sms.atMs - performance.now();
    if (wait > 0) await sleep(wait);
    sentAt[sms.index] = performance.now();
    pending.push(
      request(`${sandbox.url}/sandbox/sms`, {
        method: "POST",
        agent,
        headers: { "content-type": "application/json" },
        body: { activationId: acts[sms.index].upstreamId, text: `Your code is ${sms.code}` },
      })
        .then((res) => {
          if (res.status === 200) deliveredAt[sms.index] = performance.now();
          else errors.push(`${res.status} ${res.body.slice(0, 80)}`);
        })
        .catch((err) => errors.push(String(err))),
    );
  }
  await Promise.all(pending);
  agent.destroy();
  return errors;
}

/** One keep-alive agent per key (a few sockets each), kept across the warm-up and the window. */
export function agentsPerKey(keys, sockets = 2) {
  return keys.map(() => new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets }));
}

/**
 * One measured window: every activation polled (getStatus) once per `periodMs`, request i going to
 * activation i mod n (open loop, rate n / period), its key's agent; SMS delivered on `schedule`;
 * beside it, when `bare` is given, the bare app at the same rate (interleaved schedule). The
 * sandbox's counters are reset at the start; CPU is each process's own utime+stime.
 */
export async function pollWindow({ gw, sandbox, bare, acts, agents, periodMs, windowMs, schedule }) {
  const n = acts.length;
  const rate = (n * 1000) / periodMs;
  const urls = acts.map((x) => gw.call({ api_key: x.key, action: "getStatus", id: x.id }));
  const codes = new Array(n);
  for (const sms of schedule) codes[sms.index] = sms.code;
  const nan = () => new Float64Array(n).fill(Number.NaN);
  const sentAt = nan();
  const deliveredAt = nan();
  const firstOkAt = nan();
  const firstPollAfter = nan();
  const lastWaitAfter = nan();
  const waitsAfter = new Uint32Array(n);
  const counts = { wait: 0, ok: 0, invalid: 0, crossKey: 0, http: 0 };
  const samples = [];
  const bad = (kind, body) => {
    counts[kind]++;
    if (samples.length < 5) samples.push(`${kind}: ${String(body).slice(0, 80)}`);
  };
  const onAnswer = (i, status, body, t0, t1) => {
    const a = i % n;
    if (status !== 200) return bad("http", `${status} ${body}`);
    const after = t0 - deliveredAt[a]; // NaN until the SMS was delivered
    if (body === "STATUS_WAIT_CODE") {
      counts.wait++;
      if (after >= 0) {
        waitsAfter[a]++;
        if (!(lastWaitAfter[a] >= after)) lastWaitAfter[a] = after;
        if (Number.isNaN(firstPollAfter[a])) firstPollAfter[a] = after;
      }
      return;
    }
    if (body.startsWith("STATUS_OK:")) {
      const code = body.slice(10);
      if (code === codes[a] && !Number.isNaN(sentAt[a])) {
        counts.ok++;
        if (Number.isNaN(firstOkAt[a])) firstOkAt[a] = t1;
        if (after >= 0 && Number.isNaN(firstPollAfter[a])) firstPollAfter[a] = after;
        return;
      }
      const k = keyOfCode(code);
      return bad(k !== undefined && k !== acts[a].k ? "crossKey" : "invalid", `activation ${a}: ${body}`);
    }
    bad("invalid", body);
  };

  const bareUrl = bare && `${bare.url}/stubs/handler_api.php?api_key=${acts[0].key}&action=getStatus&id=1`;
  await resetStats(sandbox);
  const t0 = performance.now();
  const cpu0 = cpuSeconds(gw.pid);
  const sandboxCpu0 = cpuSeconds(sandbox.pid);
  const bareCpu0 = bare && cpuSeconds(bare.pid);
  const gen0 = process.cpuUsage();
  // the counters are read at the window's planned end, while the last answers drain: a whole
  // number of tracker intervals, so a refresh burst cut at the start is made up at the end
  const windowStats = sleep(windowMs - (performance.now() - t0)).then(() => upstreamStats(sandbox));
  const [r, br, deliveryErrors] = await Promise.all([
    paced({
      rate,
      durationMs: windowMs,
      target: (i) => ({ url: urls[i % n] }),
      agentOf: (i) => agents[acts[i % n].k],
      onAnswer,
    }),
    bare &&
      paced({
        rate,
        durationMs: windowMs,
        connections: agents.length * 2,
        target: () => ({ url: bareUrl }),
        offsetMs: 500 / rate,
      }),
    deliver(sandbox, schedule, t0, sentAt, deliveredAt, acts),
  ]);
  const cpuS = cpuSeconds(gw.pid) - cpu0;
  const sandboxCpuS = cpuSeconds(sandbox.pid) - sandboxCpu0;
  const bareCpuS = bare && cpuSeconds(bare.pid) - bareCpu0;
  const gen = process.cpuUsage(gen0);
  const nativeOf = (stats) => Object.entries(stats).filter(([route]) => / \/api\/v1(\/|$)/.test(route));
  const native = nativeOf(await windowStats);
  const upstreamCalls = native.reduce((s, [, v]) => s + v, 0);
  const drained = nativeOf(await upstreamStats(sandbox)).reduce((s, [, v]) => s + v, 0);
  const drainedS = (performance.now() - t0) / 1000;

  const delays = [];
  const phases = [];
  let unseen = 0;
  let seenByFirstPoll = 0;
  let maxWaitsAfter = 0;
  let maxLastWaitAfter = 0;
  for (const { index: a } of schedule) {
    if (Number.isNaN(deliveredAt[a])) continue;
    if (Number.isNaN(firstOkAt[a])) {
      unseen++;
      continue;
    }
    delays.push(Math.max(0, firstOkAt[a] - deliveredAt[a]));
    if (!Number.isNaN(firstPollAfter[a])) phases.push(firstPollAfter[a]);
    if (waitsAfter[a] === 0) seenByFirstPoll++;
    maxWaitsAfter = Math.max(maxWaitsAfter, waitsAfter[a]);
    if (lastWaitAfter[a] > maxLastWaitAfter) maxLastWaitAfter = lastWaitAfter[a];
  }
  const delivered = schedule.filter((s) => !Number.isNaN(deliveredAt[s.index])).length;
  return {
    activations: n,
    offeredPerS: rate,
    sent: r.sent,
    answered: r.answered,
    errors: r.errors,
    answersPerS: round(r.answersPerS, 1),
    elapsedS: round(r.elapsedS, 2),
    windowS: windowMs / 1000,
    drainedS: round(drainedS, 2),
    maxSchedulerLagMs: round(r.maxSchedulerLagMs, 1),
    p50Ms: round(percentile(r.latencies, 50), 2),
    p99Ms: round(percentile(r.latencies, 99), 2),
    answers: counts,
    invalidSamples: samples,
    invalid: counts.invalid + counts.http + r.errors,
    crossKey: counts.crossKey,
    upstreamCalls,
    upstreamCallsPerS: round(upstreamCalls / (windowMs / 1000), 1),
    upstreamByRoute: Object.fromEntries(native),
    upstreamCallsUntilDrained: drained,
    gatewayCpuS: round(cpuS, 2),
    gatewayCpuUsPerPoll: round((cpuS / r.answered) * 1e6, 1),
    // where the rest of the machine went (context, not a figure): cores used over the window
    coresUsed: {
      gateway: round(cpuS / drainedS, 2),
      sandbox: round(sandboxCpuS / drainedS, 2),
      generator: round((gen.user + gen.system) / 1e6 / drainedS, 2),
      ...(br && { bare: round(bareCpuS / drainedS, 2) }),
    },
    ...(br && {
      bare: {
        answered: br.answered,
        invalid: br.invalid + br.errors,
        answersPerS: round(br.answersPerS, 1),
        cpuS: round(bareCpuS, 2),
        cpuUsPerRequest: round((bareCpuS / br.answered) * 1e6, 1),
      },
    }),
    generatorCpuUsPerRequest: round((gen.user + gen.system) / (r.answered + (br?.answered ?? 0)), 1),
    sms: {
      scheduled: schedule.length,
      delivered,
      deliveryErrors,
      unseenByWindowEnd: unseen,
      delayP50Ms: round(percentile(delays, 50), 0),
      delayP99Ms: round(percentile(delays, 99), 0),
      delayMaxMs: round(Math.max(...delays), 0),
      pollPhaseP50Ms: round(percentile(phases, 50), 0),
      pollPhaseP99Ms: round(percentile(phases, 99), 0),
      seenByFirstPollAfterDelivery: seenByFirstPoll,
      maxWaitAnswersAfterDelivery: maxWaitsAfter,
      latestWaitAnswerAfterDeliveryMs: round(maxLastWaitAfter, 0),
    },
  };
}

/**
 * Every activation polled once, closed loop (`lanes` polls in flight per key, on its agent): the
 * first sight of seeded activations, one upstream read each, without the backlog an open loop
 * would pile up while the gateway makes them.
 */
export async function firstPolls({ gw, sandbox, acts, agents, lanes = 2 }) {
  log(`  first poll of each of ${acts.length} activations (closed loop, ${lanes} per key in flight)`);
  await resetStats(sandbox);
  const t0 = performance.now();
  const byKey = agents.map(() => []);
  for (const act of acts) byKey[act.k].push(act);
  let invalid = 0;
  const samples = [];
  await Promise.all(
    byKey.flatMap((mine, k) =>
      Array.from({ length: lanes }, async (_, lane) => {
        for (let i = lane; i < mine.length; i += lanes) {
          const url = gw.call({ api_key: mine[i].key, action: "getStatus", id: mine[i].id });
          const res = await request(url, { agent: agents[k] }).catch((err) => ({
            status: 0,
            body: String(err),
          }));
          if (res.status !== 200 || res.body !== "STATUS_WAIT_CODE") {
            invalid++;
            if (samples.length < 5) samples.push(`${res.status} ${res.body.slice(0, 80)}`);
          }
        }
      }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  const native = Object.entries(await upstreamStats(sandbox)).filter(([route]) =>
    / \/api\/v1(\/|$)/.test(route),
  );
  return {
    polls: acts.length,
    seconds: round(seconds, 1),
    pollsPerS: round(acts.length / seconds, 0),
    invalid,
    samples,
    upstreamByRoute: Object.fromEntries(native),
  };
}

/** A warm-up at the window's rate (no figures kept but its invalid answers and upstream calls). */
export async function warmUp({ gw, sandbox, acts, agents, periodMs, durationMs }) {
  const n = acts.length;
  const urls = acts.map((x) => gw.call({ api_key: x.key, action: "getStatus", id: x.id }));
  log(`  warm-up: ${n} activations polled every ${periodMs / 1000} s for ${durationMs / 1000} s`);
  await resetStats(sandbox);
  const r = await paced({
    rate: (n * 1000) / periodMs,
    durationMs,
    target: (i) => ({ url: urls[i % n] }),
    agentOf: (i) => agents[acts[i % n].k],
    check: (b) => b === "STATUS_WAIT_CODE",
  });
  const native = Object.entries(await upstreamStats(sandbox)).filter(([route]) =>
    / \/api\/v1(\/|$)/.test(route),
  );
  return {
    answered: r.answered,
    answersPerS: round(r.answersPerS, 1),
    invalid: r.invalid + r.errors,
    samples: r.samples,
    upstreamByRoute: Object.fromEntries(native),
  };
}
