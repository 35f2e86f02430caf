// Scenario 4 of `npm run bench` (polling storm): bench/run.mjs runs it, bench/README.md
// says how it is measured.
import {
  buy,
  cpuSeconds,
  fmt,
  KEY,
  log,
  paced,
  percentile,
  resetStats,
  round,
  STATUS_TOKEN,
  sleep,
  upstreamStats,
} from "../lib.mjs";

/** (4) Polling storm: 500 pollers on 50 activations every 250 ms for 20 s, shield at 1 s. */
export async function run({ sandbox, procs, S, row }) {
  const ttlMs = 1000;
  const activations = 50;
  const pollers = 500;
  const everyMs = 250;
  const seconds = 20 * S;
  // the shield's path: the tracker off (it would answer every poll without an upstream read)
  const gw = await procs.startGateway("gateway-storm", sandbox, {
    STATUS_CACHE_MS: String(ttlMs),
    TRACK_INTERVAL_MS: "0",
  });
  try {
    log(`  buying ${activations} activations`);
    const acts = [];
    for (let i = 0; i < activations; i++) acts.push(await buy(gw, sandbox));
    const urls = acts.map((a) => gw.call({ api_key: KEY, action: "getStatus", id: a.id }));
    await sleep(1100); // nothing from the purchases is left in the shield
    await resetStats(sandbox);
    const rate = (pollers * 1000) / everyMs;
    log(
      `  storm: ${pollers} pollers × every ${everyMs} ms = ${rate} req/s on ${activations} activations for ${seconds} s`,
    );
    const cpu0 = cpuSeconds(gw.pid);
    const gen0 = process.cpuUsage();
    // request i is poller i % 500's next poll; poller p polls activation p % 50
    const r = await paced({
      rate,
      durationMs: seconds * 1000,
      connections: pollers,
      target: (i) => ({ url: urls[(i % pollers) % activations] }),
      check: (b) => STATUS_TOKEN.test(b),
    });
    const cpu = cpuSeconds(gw.pid) - cpu0;
    const gen = process.cpuUsage(gen0);
    const stats = await upstreamStats(sandbox);
    const calls = stats["GET /api/v1/activations/:id"] ?? 0;
    // the shield refreshes an activation at most once per TTL of wall time: when the gateway falls
    // behind the offered rate the storm lasts longer than planned, so the bound counts the seconds
    // from the first poll sent to the last answer (the planned figure is reported beside it)
    const nominalBound = activations * (seconds / (ttlMs / 1000) + 1);
    const bound = Math.floor(activations * (r.elapsedS / (ttlMs / 1000) + 1));
    const out = {
      method: `open loop: request i at i/${rate} s to activation i mod ${activations}, ${pollers} keep-alive sockets (node:http); upstream calls from the sandbox's /sandbox/stats counter "GET /api/v1/activations/:id" (reset before)`,
      requests: r.sent,
      answered: r.answered,
      invalidAnswers: r.invalid + r.errors,
      invalidSamples: r.samples,
      elapsedS: round(r.elapsedS, 2),
      answersPerS: round(r.answersPerS, 0),
      targetPerS: rate,
      p50Ms: round(percentile(r.latencies, 50), 2),
      p99Ms: round(percentile(r.latencies, 99), 2),
      gatewayCpuUsPerRequest: round((cpu / r.answered) * 1e6, 1),
      generatorCpuUsPerRequest: round((gen.user + gen.system) / r.answered, 1),
      upstreamStatusCalls: calls,
      otherUpstreamCalls: Object.fromEntries(
        Object.entries(stats).filter(([k]) => k.startsWith("GET /api") || k.startsWith("POST /api")),
      ),
      bound,
      nominalBound,
      goal: `upstream calls ≤ ${activations} × (${round(r.elapsedS, 2)} s / ${ttlMs / 1000} s + 1) = ${bound} (planned ${seconds} s: ${nominalBound}), every answer valid`,
      met: calls <= bound && r.invalid + r.errors === 0,
    };
    row(
      "4 storm legacy answers/s",
      fmt(r.answersPerS, "/s", 0),
      `${rate}/s offered`,
      fmt(r.answersPerS / rate, "×", 2),
      "all valid",
      r.invalid + r.errors === 0,
    );
    row(
      "4 storm upstream status calls",
      String(calls),
      `bound ${bound} (${round(r.elapsedS, 1)} s)`,
      fmt(calls / bound, "×", 2),
      `≤ ${bound}`,
      calls <= bound,
    );
    return out;
  } finally {
    await gw.stop();
  }
}
