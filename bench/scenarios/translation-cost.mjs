// Scenario 1 of `npm run bench` (translation cost (CPU per request)): bench/run.mjs runs it, bench/README.md
// says how it is measured.
import {
  CLK_TCK,
  cannon,
  cpuSeconds,
  fmt,
  KEY,
  log,
  median,
  paced,
  resetStats,
  round,
  STATUS_TOKEN,
  sum,
  upstreamStats,
} from "../lib.mjs";

/**
 * (1) CPU per request of the gateway process for getStatus (shield off) vs the bare app. Both loads
 * run side by side in the same window (interleaved schedules), so a disturbance from elsewhere on
 * the machine hits both; each process's CPU is its own (/proc/<pid>/stat).
 */
export async function run({ gw, bare, sandbox, acts, S, row }) {
  const rate = 500;
  const rounds = 5;
  const durationMs = 3000 * S;
  // spread over the activations: the shield coalesces concurrent reads of one activation even when off
  const gwTarget = (i) => ({
    url: gw.call({ api_key: KEY, action: "getStatus", id: acts[i % acts.length].id }),
  });
  const bareTarget = (i) => ({
    url: `${bare.url}/stubs/handler_api.php?api_key=${KEY}&action=getStatus&id=${acts[i % acts.length].id}`,
  });
  const both = (ms, check = true) => {
    const cpu0 = [gw, bare, sandbox].map((p) => cpuSeconds(p.pid));
    return Promise.all([
      paced({
        rate,
        durationMs: ms,
        connections: 16,
        target: gwTarget,
        ...(check && { check: (x) => STATUS_TOKEN.test(x) }),
      }),
      paced({ rate, durationMs: ms, connections: 16, target: bareTarget, offsetMs: 500 / rate }),
    ]).then(([g, b]) => {
      const [gCpu, bCpu, sCpu] = [gw, bare, sandbox].map((p, i) => cpuSeconds(p.pid) - cpu0[i]);
      return {
        gateway: { answered: g.answered, invalid: g.invalid + g.errors, cpuS: gCpu, samples: g.samples },
        bare: { answered: b.answered, invalid: b.invalid + b.errors, cpuS: bCpu },
        sandboxCpuS: sCpu,
      };
    });
  };
  // warm-up: a closed-loop burst on each (so both are past the JIT's tiers), then the paced load
  log(`  warm-up`);
  let w = 0;
  const gwPath = () =>
    `/stubs/handler_api.php?api_key=${KEY}&action=getStatus&id=${acts[w++ % acts.length].id}`;
  await cannon({ url: gw.url, path: gwPath, connections: 10, durationS: 2 });
  await cannon({ url: `${bare.url}/stubs/handler_api.php`, connections: 10, durationS: 2 });
  await both(1000 * S, false);
  await resetStats(sandbox);
  const got = [];
  for (let i = 0; i < rounds; i++) {
    log(
      `  round ${i + 1}/${rounds}: gateway getStatus and bare app side by side, ${rate} req/s each for ${durationMs / 1000} s`,
    );
    got.push(await both(durationMs));
  }
  const total = (k, f) => sum(got.map((r) => r[k][f]));
  const gwUs = (total("gateway", "cpuS") / total("gateway", "answered")) * 1e6;
  const bareUs = (total("bare", "cpuS") / total("bare", "answered")) * 1e6;
  const sandboxUs = (sum(got.map((r) => r.sandboxCpuS)) / total("gateway", "answered")) * 1e6;
  const upstreamCalls = (await upstreamStats(sandbox))["GET /api/v1/activations/:id"] ?? 0;
  // headline: the median of the rounds' ratios (a round disturbed by another process on the
  // machine does not decide it); the pooled ratio is kept beside it
  const perRoundRatios = got.map(
    (r) => r.gateway.cpuS / r.gateway.answered / (r.bare.cpuS / r.bare.answered),
  );
  const ratio = median(perRoundRatios);
  const gwMedianUs = median(got.map((r) => (r.gateway.cpuS / r.gateway.answered) * 1e6));
  const bareMedianUs = median(got.map((r) => (r.bare.cpuS / r.bare.answered) * 1e6));
  const out = {
    method: `open loop ${rate} req/s to the gateway (getStatus over ${acts.length} activations) and ${rate} req/s to the bare app, side by side in the same ${durationMs / 1000} s window (schedules interleaved), 16 keep-alive sockets each, ${rounds} rounds; utime+stime (clock ticks of ${1000 / CLK_TCK} ms) from /proc/<pid>/stat of the gateway process only (the sandbox it calls is a separate process); ratio = median of the rounds' ratios`,
    gatewayCpuUsPerRequest: round(gwMedianUs, 1),
    bareCpuUsPerRequest: round(bareMedianUs, 1),
    pooledGatewayCpuUsPerRequest: round(gwUs, 1),
    pooledBareCpuUsPerRequest: round(bareUs, 1),
    sandboxCpuUsPerGatewayRequest: round(sandboxUs, 1),
    upstreamCallsPerAnswer: round(upstreamCalls / total("gateway", "answered"), 3),
    ratio: round(ratio, 2),
    pooledRatio: round(gwUs / bareUs, 2),
    perRoundRatios: perRoundRatios.map((x) => round(x, 2)),
    invalidAnswers: total("gateway", "invalid") + total("bare", "invalid"),
    rounds: got,
    goal: "≤ 3× the bare app",
    met: ratio <= 3,
  };
  row(
    "1 translation CPU/req (getStatus, shield off)",
    fmt(gwMedianUs, " µs"),
    fmt(bareMedianUs, " µs bare"),
    fmt(ratio, "×", 2),
    "≤ 3×",
    out.met,
  );
  return out;
}
