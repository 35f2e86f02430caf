// Scenario 2 of `npm run bench` (added latency and translated throughput): bench/run.mjs runs it, bench/README.md
// says how it is measured.
import {
  cannon,
  fmt,
  KEY,
  log,
  median,
  paced,
  percentile,
  resetStats,
  round,
  STATUS_TOKEN,
  sum,
  upstreamStats,
} from "../lib.mjs";

/**
 * (2) Added latency at 200 req/s: gateway getStatus and the direct sandbox read side by side in the
 * same window (interleaved schedules, separate sockets), so both see the same disturbances; and
 * closed-loop throughput, gateway getStatus vs the direct read, in alternating rounds.
 */
export async function run({ gw, sandbox, acts, S, row }) {
  const rate = 200;
  const rounds = 5;
  const durationMs = 4000 * S;
  const gwPath = (i) =>
    `/stubs/handler_api.php?api_key=${KEY}&action=getStatus&id=${acts[i % acts.length].id}`;
  const directPath = (i) => `/api/v1/activations/${acts[i % acts.length].upstreamId}`;
  const gwTarget = (i) => ({ url: `${gw.url}${gwPath(i)}` });
  const headers = { "x-api-key": KEY };
  const directTarget = (i) => ({ url: `${sandbox.url}${directPath(i)}`, headers });
  const directOk = (b) => b.startsWith("{") && b.includes('"status":');
  const both = (ms) =>
    Promise.all([
      paced({ rate, durationMs: ms, connections: 16, target: gwTarget, check: (b) => STATUS_TOKEN.test(b) }),
      paced({
        rate,
        durationMs: ms,
        connections: 16,
        target: directTarget,
        check: directOk,
        offsetMs: 500 / rate,
      }),
    ]);
  const gl = [];
  const dl = [];
  const perRound = [];
  let invalid = 0;
  log(`  warm-up`);
  await both(1500 * S);
  for (let i = 0; i < rounds; i++) {
    log(
      `  latency round ${i + 1}/${rounds}: gateway getStatus and direct GET /api/v1/activations/{id} side by side, ${rate} req/s each for ${durationMs / 1000} s`,
    );
    const [g, d] = await both(durationMs);
    gl.push(...g.latencies);
    dl.push(...d.latencies);
    invalid += g.invalid + g.errors + d.invalid + d.errors;
    const q = (r, x) => percentile(r.latencies, x);
    perRound.push({
      gatewayP50: round(q(g, 50), 3),
      gatewayP99: round(q(g, 99), 3),
      directP50: round(q(d, 50), 3),
      directP99: round(q(d, 99), 3),
      addedP50: round(q(g, 50) - q(d, 50), 3),
      addedP99: round(q(g, 99) - q(d, 99), 3),
    });
  }
  // headline: the median over rounds of each round's difference; pooled percentiles kept beside it
  const mid = (k) => median(perRound.map((r) => r[k]));
  const added50 = mid("addedP50");
  const added99 = mid("addedP99");

  const connections = 10;
  const durationS = Math.max(1, Math.round(2 * S));
  const thrRounds = 5;
  const tg = [];
  const td = [];
  let n = 0;
  const gwLoad = { url: gw.url, path: () => gwPath(n++), check: (b) => STATUS_TOKEN.test(b) };
  const directLoad = { url: sandbox.url, path: () => directPath(n++), headers, check: directOk };
  log(`  throughput warm-up`);
  await cannon({ ...gwLoad, connections, durationS: 2 });
  await cannon({ ...directLoad, connections, durationS: 2 });
  await resetStats(sandbox);
  for (let i = 0; i < thrRounds; i++) {
    log(
      `  throughput round ${i + 1}/${thrRounds}: closed loop, ${connections} connections, ${durationS} s each, gateway and direct alternating`,
    );
    const run = {
      gw: async () => tg.push(await cannon({ ...gwLoad, connections, durationS })),
      direct: async () => td.push(await cannon({ ...directLoad, connections, durationS })),
    };
    for (const k of i % 2 ? ["direct", "gw"] : ["gw", "direct"]) await run[k]();
  }
  // every direct read is one sandbox call; the rest were the gateway's (1 per answer unless coalesced)
  const activationCalls = (await upstreamStats(sandbox))["GET /api/v1/activations/:id"] ?? 0;
  const gwCallsPerAnswer =
    (activationCalls - sum(td.map((r) => r.requests))) / sum(tg.map((r) => r.requests));
  const gwRps = median(tg.map((r) => r.rps));
  const directRps = median(td.map((r) => r.rps));
  // headline: the median of the rounds' shares (each round pairs one gateway and one direct run)
  const shares = tg.map((r, i) => r.rps / td[i].rps);
  const share = median(shares);
  const out = {
    latency: {
      method: `open loop ${rate} req/s to the gateway (getStatus) and ${rate} req/s straight to the sandbox (GET /api/v1/activations/{id} with x-api-key), side by side in the same ${durationMs / 1000} s window (schedules interleaved), 16 keep-alive node:http sockets each, spread over ${acts.length} activations, ${rounds} rounds; latency from send to last byte; figures = medians over rounds of each round's percentile and difference`,
      gatewayP50Ms: round(mid("gatewayP50"), 3),
      gatewayP99Ms: round(mid("gatewayP99"), 3),
      directP50Ms: round(mid("directP50"), 3),
      directP99Ms: round(mid("directP99"), 3),
      addedP50Ms: round(added50, 3),
      addedP99Ms: round(added99, 3),
      pooledGatewayP50Ms: round(percentile(gl, 50), 3),
      pooledGatewayP99Ms: round(percentile(gl, 99), 3),
      pooledDirectP50Ms: round(percentile(dl, 50), 3),
      pooledDirectP99Ms: round(percentile(dl, 99), 3),
      perRound,
      samples: { gateway: gl.length, direct: dl.length },
      invalidAnswers: invalid,
      goal: "added p99 ≤ 2 ms",
      met: added99 <= 2,
    },
    throughput: {
      method: `autocannon closed loop, ${connections} connections, each request on the next of ${acts.length} activations, ${thrRounds} alternating rounds of ${durationS} s; only valid answers counted; req/s = median of rounds; share = median of the rounds' gateway/direct`,
      gatewayRps: round(gwRps, 0),
      directRps: round(directRps, 0),
      gatewayUpstreamCallsPerAnswer: round(gwCallsPerAnswer, 3),
      share: round(share, 3),
      perRoundShares: shares.map((x) => round(x, 3)),
      rounds: { gateway: tg, direct: td },
      goal: "≥ 40 % of the direct read",
      met: share >= 0.4,
    },
  };
  row(
    "2 added latency p50 @200 req/s",
    fmt(added50, " ms", 3),
    fmt(mid("directP50"), " ms direct p50", 3),
    fmt(mid("gatewayP50") / mid("directP50"), "×", 2),
  );
  row(
    "2 added latency p99 @200 req/s",
    fmt(added99, " ms", 3),
    fmt(mid("directP99"), " ms direct p99", 3),
    fmt(mid("gatewayP99") / mid("directP99"), "×", 2),
    "≤ 2 ms",
    out.latency.met,
  );
  row(
    "2 getStatus throughput (shield off)",
    fmt(gwRps, " req/s", 0),
    fmt(directRps, " req/s direct", 0),
    fmt(share * 100, " %", 1),
    "≥ 40 %",
    out.throughput.met,
  );
  return out;
}
