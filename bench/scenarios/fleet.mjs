// Scenario 7 of `npm run bench` (fleet): bench/run.mjs runs it, bench/README.md says how it is
// measured.
import {
  agentsPerKey,
  buyFleet,
  fleetKeys,
  pollWindow,
  smsSchedule,
  startFleetSandbox,
  warmUp,
} from "../fleet.mjs";
import { fmt, log, memoryMb, round } from "../lib.mjs";

const KEYS = 20;
const PER_KEY = 50;
const PERIOD_MS = 1000;
const INTERVAL_MS = 1000;
const SEED = 7;

/**
 * (7) A fleet: 20 keys × 50 live activations, each polled every second by its own poller (1,000
 * req/s) with SMS arriving at seeded moments, through a gateway with the activation tracker and,
 * as the baseline, through one with the tracker off (polling shield, STATUS_CACHE_MS default).
 * Each phase has its own sandbox, so the upstream counters are the phase's own; the bare app runs
 * beside each window at the same rate for the CPU comparison.
 */
export async function run({ procs, bare, S, row }) {
  const windowMs = Math.round(30_000 * S);
  const warmupMs = Math.max(2000, Math.round(3000 * S));
  const smsCount = Math.round((10 * windowMs) / 1000);
  const keys = fleetKeys("fleet", KEYS);
  const rate = (KEYS * PER_KEY * 1000) / PERIOD_MS;

  const phase = async (label, env) => {
    const sandbox = await startFleetSandbox(procs, `sandbox-fleet-${label}`, keys);
    const agents = agentsPerKey(keys);
    let gw;
    try {
      gw = await procs.startGateway(`gateway-fleet-${label}`, sandbox, env);
      log(`  ${label}: buying ${KEYS} keys × ${PER_KEY} activations through the gateway`);
      const { acts, seconds } = await buyFleet(gw, sandbox, keys, PER_KEY, 4);
      log(`  ${label}: ${acts.length} bought in ${seconds.toFixed(1)} s`);
      // deliveries leave a poll period, a tracker interval and a margin before the window ends
      const schedule = smsSchedule(acts, smsCount, 500, Math.max(1000, windowMs - 2500), SEED);
      const warm = await warmUp({ gw, sandbox, acts, agents, periodMs: PERIOD_MS, durationMs: warmupMs });
      log(
        `  ${label}: window of ${windowMs / 1000} s, ${rate} polls/s offered, ${schedule.length} SMS, bare app beside it at ${rate} req/s`,
      );
      const w = await pollWindow({
        gw,
        sandbox,
        bare,
        acts,
        agents,
        periodMs: PERIOD_MS,
        windowMs,
        schedule,
      });
      const mem = memoryMb(gw.pid);
      log(
        `  ${label}: ${w.answersPerS} answers/s, ${w.upstreamCallsPerS} upstream calls/s, SMS p50/p99 ${w.sms.delayP50Ms}/${w.sms.delayP99Ms} ms, ${w.gatewayCpuUsPerPoll} µs CPU/poll (bare ${w.bare?.cpuUsPerRequest} µs), ${w.invalid} invalid, ${w.crossKey} cross-key`,
      );
      return {
        env,
        purchaseS: round(seconds, 1),
        warmUp: warm,
        ...w,
        gatewayRssMb: round(mem.rss, 1),
        gatewayPeakRssMb: round(mem.hwm, 1),
      };
    } finally {
      for (const a of agents) a.destroy();
      await gw?.stop();
      await sandbox.stop();
    }
  };

  const tracker = await phase("tracker", { TRACK_INTERVAL_MS: String(INTERVAL_MS) });
  const shield = await phase("shield", { TRACK_INTERVAL_MS: "0" });

  const callsGoal = 1.2 * KEYS;
  const delayGoal = INTERVAL_MS + 250;
  const cpuRatio = tracker.gatewayCpuUsPerPoll / tracker.bare.cpuUsPerRequest;
  const shieldCpuRatio = shield.gatewayCpuUsPerPoll / shield.bare.cpuUsPerRequest;
  const wrong = (p) => p.invalid + p.crossKey + p.warmUp.invalid;
  const out = {
    method: `${KEYS} keys × ${PER_KEY} activations bought through the gateway (getNumber over ${"tg, wa, go"} in country 62; sandbox SANDBOX_AUTO_SMS=false, SANDBOX_ACTIVATION_TTL_S=7200), each polled (getStatus) every ${PERIOD_MS / 1000} s: open loop, request i to activation i mod ${KEYS * PER_KEY}, one keep-alive node:http agent (2 sockets) per key; ${warmupMs / 1000} s warm-up, then a ${windowMs / 1000} s window with ${smsCount} SMS at seeded moments (POST /sandbox/sms, a code per activation); bare app beside the window at the same rate; tracker phase (TRACK_INTERVAL_MS=${INTERVAL_MS}) then baseline phase (TRACK_INTERVAL_MS=0, shield at STATUS_CACHE_MS default), each on its own sandbox`,
    tracker,
    shield,
    goals: {
      upstreamCallsPerS: `≤ ${callsGoal}/s`,
      smsDelayP99Ms: `≤ ${delayGoal} ms`,
      cpuPerPoll: "≤ 2× the bare app",
      invalidAndCrossKey: "0",
    },
    met: {
      upstreamCallsPerS: tracker.upstreamCallsPerS <= callsGoal,
      smsDelayP99Ms: tracker.sms.delayP99Ms <= delayGoal,
      cpuPerPoll: cpuRatio <= 2,
      invalidAndCrossKey: wrong(tracker) === 0,
    },
  };
  const n = `${KEYS}×${PER_KEY}`;
  row(
    `7 fleet ${n} answers/s (tracker)`,
    fmt(tracker.answersPerS, "/s", 0),
    `${rate}/s offered`,
    fmt(tracker.answersPerS / rate, "×", 2),
  );
  row(
    "7 fleet upstream calls/s",
    fmt(tracker.upstreamCallsPerS, "/s"),
    fmt(shield.upstreamCallsPerS, "/s shield"),
    fmt(tracker.upstreamCallsPerS / shield.upstreamCallsPerS, "×", 3),
    `≤ ${callsGoal}/s`,
    out.met.upstreamCallsPerS,
  );
  row(
    "7 fleet SMS → first STATUS_OK p50",
    fmt(tracker.sms.delayP50Ms, " ms", 0),
    fmt(shield.sms.delayP50Ms, " ms shield", 0),
    fmt(tracker.sms.delayP50Ms / shield.sms.delayP50Ms, "×", 2),
  );
  row(
    "7 fleet SMS → first STATUS_OK p99",
    fmt(tracker.sms.delayP99Ms, " ms", 0),
    fmt(shield.sms.delayP99Ms, " ms shield", 0),
    fmt(tracker.sms.delayP99Ms / shield.sms.delayP99Ms, "×", 2),
    `≤ ${delayGoal} ms`,
    out.met.smsDelayP99Ms,
  );
  // the latest poll sent after a delivery that still answered STATUS_WAIT_CODE: how long the
  // gateway can lag behind the upstream (the figure above adds the poller's own wait for its next poll)
  row(
    "7 fleet SMS → latest STATUS_WAIT_CODE",
    fmt(tracker.sms.latestWaitAnswerAfterDeliveryMs, " ms", 0),
    fmt(shield.sms.latestWaitAnswerAfterDeliveryMs, " ms shield", 0),
    "—",
  );
  row(
    "7 fleet gateway CPU/poll (tracker)",
    fmt(tracker.gatewayCpuUsPerPoll, " µs"),
    fmt(tracker.bare.cpuUsPerRequest, " µs bare"),
    fmt(cpuRatio, "×", 2),
    "≤ 2×",
    out.met.cpuPerPoll,
  );
  row(
    "7 fleet gateway CPU/poll (shield)",
    fmt(shield.gatewayCpuUsPerPoll, " µs"),
    fmt(shield.bare.cpuUsPerRequest, " µs bare"),
    fmt(shieldCpuRatio, "×", 2),
  );
  row(
    "7 fleet invalid / cross-key answers",
    `${tracker.invalid + tracker.warmUp.invalid} / ${tracker.crossKey}`,
    `${shield.invalid + shield.warmUp.invalid} / ${shield.crossKey} shield`,
    "—",
    "0 / 0",
    out.met.invalidAndCrossKey,
  );
  return out;
}
