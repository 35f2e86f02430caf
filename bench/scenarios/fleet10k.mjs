// Scenario 8 of `npm run bench` (fleet10k, the moonshot): bench/run.mjs runs it, bench/README.md
// says how it is measured.
import {
  agentsPerKey,
  firstPolls,
  fleetKeys,
  pollWindow,
  seedFleet,
  smsSchedule,
  startFleetSandbox,
  warmUp,
} from "../fleet.mjs";
import { fmt, log, memoryMb, round, tmp } from "../lib.mjs";

const KEYS = 100;
const PER_KEY = 100;
const PERIOD_MS = 5000;
const INTERVAL_MS = 1000;
const SEED = 8;

/**
 * (8) 100 keys × 100 live activations (10,000), each polled every 5 s (2,000 req/s), through a
 * gateway with the activation tracker: upstream calls per second, every answer checked, the
 * gateway's RSS. 10,000 getNumber through the gateway take about two minutes on a 2-core machine,
 * so the fleet is seeded (bought on the sandbox's native API, the gateway's id store written before
 * it starts): the gateway meets each activation at its first poll, a first-sight read. Those first
 * polls go first (closed loop), then a warm-up of one period at the full rate, then the window: the
 * steady state.
 */
export async function run({ procs, dist, S, row }) {
  const windowMs = Math.round(25_000 * S);
  const warmupMs = PERIOD_MS;
  // deliveries leave a poll period, a tracker interval and a margin before the window ends
  const lastSmsMs = Math.max(1000, windowMs - PERIOD_MS - 2 * INTERVAL_MS);
  const smsCount = Math.round((20 * lastSmsMs) / 1000);
  const keys = fleetKeys("tenk", KEYS);
  const rate = (KEYS * PER_KEY * 1000) / PERIOD_MS;
  const sandbox = await startFleetSandbox(procs, "sandbox-fleet10k", keys);
  const agents = agentsPerKey(keys);
  let gw;
  try {
    const dataDir = tmp("fleet10k");
    log(`  seeding ${KEYS} keys × ${PER_KEY} activations (native purchases, then the id store)`);
    const { acts, buyS, storeS } = await seedFleet(sandbox, dist, dataDir, keys, PER_KEY);
    log(`  ${acts.length} bought in ${buyS.toFixed(1)} s, id store written in ${storeS.toFixed(1)} s`);
    gw = await procs.startGateway("gateway-fleet10k", sandbox, {
      DATA_DIR: dataDir,
      TRACK_INTERVAL_MS: String(INTERVAL_MS),
    });
    const idle = memoryMb(gw.pid);
    const schedule = smsSchedule(acts, smsCount, 500, lastSmsMs, SEED);
    const first = await firstPolls({ gw, sandbox, acts, agents });
    log(`  first polls: ${first.seconds} s (${first.pollsPerS}/s), ${first.invalid} invalid`);
    const warm = await warmUp({ gw, sandbox, acts, agents, periodMs: PERIOD_MS, durationMs: warmupMs });
    log(`  window of ${windowMs / 1000} s, ${rate} polls/s offered, ${schedule.length} SMS`);
    const w = await pollWindow({ gw, sandbox, acts, agents, periodMs: PERIOD_MS, windowMs, schedule });
    const mem = memoryMb(gw.pid);
    log(
      `  ${w.answersPerS} answers/s, ${w.upstreamCallsPerS} upstream calls/s, RSS ${mem.rss.toFixed(1)} MB, ${w.gatewayCpuUsPerPoll} µs CPU/poll, ${w.invalid} invalid, ${w.crossKey} cross-key`,
    );
    const callsGoal = KEYS;
    const wrong = w.invalid + w.crossKey + warm.invalid + first.invalid;
    const out = {
      method: `${KEYS} keys × ${PER_KEY} activations seeded: bought on the sandbox's native API (tg, wa, go in TR, 32 in flight), the gateway's SQLite id store written through its upsert before it starts; each polled (getStatus) every ${PERIOD_MS / 1000} s: open loop, request i to activation i mod ${KEYS * PER_KEY}, one keep-alive node:http agent (2 sockets) per key; each activation's first poll (a first-sight read) in a closed loop, 2 per key in flight, then a warm-up of one period at the full rate, then a ${windowMs / 1000} s window with ${schedule.length} SMS at seeded moments; RSS = VmRSS of the gateway at the end of the window, beside its VmRSS right after start`,
      seedBuyS: round(buyS, 1),
      seedStoreS: round(storeS, 1),
      firstPolls: first,
      warmUp: warm,
      ...w,
      gatewayRssMb: round(mem.rss, 1),
      gatewayPeakRssMb: round(mem.hwm, 1),
      gatewayIdleRssMb: round(idle.rss, 1),
      goals: { upstreamCallsPerS: `≤ ${callsGoal}/s`, invalidAndCrossKey: "0" },
      met: { upstreamCallsPerS: w.upstreamCallsPerS <= callsGoal, invalidAndCrossKey: wrong === 0 },
    };
    const n = `${KEYS}×${PER_KEY}`;
    row(
      `8 fleet10k ${n} @5 s answers/s`,
      fmt(w.answersPerS, "/s", 0),
      `${rate}/s offered`,
      fmt(w.answersPerS / rate, "×", 2),
    );
    row(
      "8 fleet10k upstream calls/s",
      fmt(w.upstreamCallsPerS, "/s"),
      `${rate}/s one read a poll`,
      fmt(w.upstreamCallsPerS / rate, "×", 3),
      `≤ ${callsGoal}/s`,
      out.met.upstreamCallsPerS,
    );
    row(
      "8 fleet10k SMS → first STATUS_OK p50/p99",
      `${fmt(w.sms.delayP50Ms, "", 0)} / ${fmt(w.sms.delayP99Ms, " ms", 0)}`,
      `${PERIOD_MS} ms poll period`,
      "—",
    );
    row("8 fleet10k gateway CPU/poll", fmt(w.gatewayCpuUsPerPoll, " µs"), "—", "—");
    row(
      "8 fleet10k gateway RSS",
      fmt(mem.rss, " MB"),
      fmt(idle.rss, " MB at start"),
      fmt(mem.rss / idle.rss, "×", 2),
    );
    row(
      "8 fleet10k invalid / cross-key answers",
      `${w.invalid + warm.invalid + first.invalid} / ${w.crossKey}`,
      `${w.answered + warm.answered + first.polls} answers`,
      "—",
      "0 / 0",
      out.met.invalidAndCrossKey,
    );
    return out;
  } finally {
    for (const a of agents) a.destroy();
    await gw?.stop();
    await sandbox.stop();
  }
}
