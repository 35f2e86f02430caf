// Scenario 5 of `npm run bench` (cold catalogue): bench/run.mjs runs it, bench/README.md
// says how it is measured.
import { fmt, isJson, json, KEY, log, request, round, sum, tmp, upstreamStats } from "../lib.mjs";

/** (5) First getNumbersStatus on a cold cache, sandbox adding 50 ms to every native call. */
export async function run({ procs, row }) {
  const latencyMs = 50;
  const rule = (route) => ({
    route,
    phase: "before",
    latencyMs,
    error500: 0,
    bare503: 0,
    error429: 0,
    drop: 0,
  });
  // "*" = every native route (control routes never take faults): the catalogue's
  // GET /api/v1/services, GET /api/v1/services/:codeOrSlug/countries and GET /api/v1/countries, and
  // anything else the first request may make
  const sandbox = await procs.startSandbox("sandbox-slow", {
    SANDBOX_FAULTS: JSON.stringify({ rules: [rule("*")] }),
  });
  let gw;
  try {
    gw = await procs.startGateway("gateway-cold", sandbox, { DATA_DIR: tmp("cold") });
    const before = await upstreamStats(sandbox);
    const t0 = performance.now();
    const first = await request(gw.call({ api_key: KEY, action: "getNumbersStatus", country: "0" }), {
      timeoutMs: 60_000,
    });
    const coldMs = performance.now() - t0;
    const after = await upstreamStats(sandbox);
    const t1 = performance.now();
    const second = await request(gw.call({ api_key: KEY, action: "getNumbersStatus", country: "0" }));
    const warmMs = performance.now() - t1;
    const native = (s) =>
      sum(
        Object.entries(s)
          .filter(([k]) => / \/api\//.test(k))
          .map(([, v]) => v),
      );
    const callsAtStart = native(before);
    const calls = native(after);
    const services = (await json(`${sandbox.apiBase}/services`, { headers: { "x-api-key": KEY } })).data
      .length;
    // stock as decimal strings ({"tg_0":"120",…}), as the real service sends it
    const valid = isJson(first.body) && /"tg_0":"\d+"/.test(first.body);
    const out = {
      method: `fresh DATA_DIR, sandbox with fault rule {"route":"*","phase":"before","latencyMs":${latencyMs}}; wall time of the first getNumbersStatus&country=0; native calls from /sandbox/stats (including any the gateway made at start-up)`,
      available: valid,
      answer: valid ? `${first.body.slice(0, 60)}…` : first.body.slice(0, 200),
      coldMs: round(coldMs, 0),
      warmMs: round(warmMs, 2),
      secondValid: isJson(second.body),
      upstreamCalls: calls,
      upstreamCallsAtStartUp: callsAtStart,
      callsByRoute: after,
      services,
      boundCalls: services + 2,
      serialMs: calls * latencyMs,
      goal: `calls ≤ services + 2 = ${services + 2} (one fan-out)`,
      met: valid && calls <= services + 2,
    };
    if (!valid)
      log(`  getNumbersStatus answered ${JSON.stringify(first.body.slice(0, 60))}: not available yet`);
    row(
      "5 cold getNumbersStatus time",
      valid ? fmt(coldMs, " ms", 0) : `n/a (${first.body.slice(0, 20)})`,
      fmt(calls * latencyMs, " ms serial", 0),
      fmt(coldMs / (calls * latencyMs), "×", 2),
    );
    row(
      "5 cold getNumbersStatus upstream calls",
      String(calls),
      `services+2 = ${services + 2}`,
      fmt(calls / (services + 2), "×", 2),
      `≤ ${services + 2}`,
      out.met,
    );
    return out;
  } finally {
    await gw?.stop();
    await sandbox.stop();
  }
}
