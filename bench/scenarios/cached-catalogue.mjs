// Scenario 3 of `npm run bench` (cached catalogue): bench/run.mjs runs it, bench/README.md
// says how it is measured.
import { cannon, fmt, isJson, log, median, request, round, sum } from "../lib.mjs";

/** (3) Warm catalogue throughput (getPrices, getCountries) vs the bare app. */
export async function run({ gw, bare, S, row }) {
  const urls = {
    getPrices: gw.call({ action: "getPrices", service: "tg", country: "62" }),
    getCountries: gw.call({ action: "getCountries" }),
    bare: `${bare.url}/stubs/handler_api.php?action=getPrices&service=tg&country=62`,
  };
  const checks = {
    getPrices: (b) => b.startsWith('{"62":'),
    getCountries: (b) => b.startsWith("{") && b.includes('"62"'),
    bare: undefined,
  };
  for (const a of ["getPrices", "getCountries"]) {
    const { body } = await request(urls[a]);
    if (!isJson(body)) {
      log(`  ${a} answers ${JSON.stringify(body.slice(0, 60))}: not available yet`);
      row(
        `3 cached ${a} throughput`,
        `n/a (${body.slice(0, 20)})`,
        "—",
        "—",
        a === "getPrices" ? "≥ 50 %" : undefined,
        a === "getPrices" ? false : undefined,
      );
      return { available: false, answer: body.slice(0, 200) };
    }
  }
  const connections = 10;
  const durationS = Math.max(1, Math.round(2 * S));
  const rounds = 5;
  log(`  warm-up`);
  for (const k of Object.keys(urls)) await cannon({ url: urls[k], connections, durationS: 2 });
  const got = { getPrices: [], getCountries: [], bare: [] };
  for (let i = 0; i < rounds; i++) {
    log(
      `  round ${i + 1}/${rounds}: closed loop, ${connections} connections, ${durationS} s each: getPrices, getCountries, bare`,
    );
    const order = Object.keys(urls);
    for (let j = 0; j < order.length; j++) {
      const k = order[(j + i) % order.length];
      got[k].push(await cannon({ url: urls[k], connections, durationS, check: checks[k] }));
    }
  }
  const pooled = (k) => sum(got[k].map((r) => r.good)) / sum(got[k].map((r) => r.durationS));
  const rps = (k) => median(got[k].map((r) => r.rps));
  // shares: the median over rounds of each round's action / bare
  const shareOf = (k) => median(got[k].map((r, i) => r.rps / got.bare[i].rps));
  const bareRps = rps("bare");
  const out = {
    available: true,
    method: `autocannon closed loop, ${connections} connections, ${rounds} rounds of ${durationS} s (order rotated every round); cache warmed first; only valid answers counted; req/s = median of rounds, share = median of the rounds' action/bare`,
    getPricesRps: round(rps("getPrices"), 0),
    getCountriesRps: round(rps("getCountries"), 0),
    bareRps: round(bareRps, 0),
    getPricesShare: round(shareOf("getPrices"), 3),
    getCountriesShare: round(shareOf("getCountries"), 3),
    pooledGetPricesShare: round(pooled("getPrices") / pooled("bare"), 3),
    pooledGetCountriesShare: round(pooled("getCountries") / pooled("bare"), 3),
    invalidAnswers: sum(
      Object.values(got).flatMap((rs) => rs.map((r) => r.mismatches + r.non2xx + r.errors)),
    ),
    rounds: got,
    goal: "getPrices ≥ 50 % of the bare app",
    met: shareOf("getPrices") >= 0.5,
  };
  row(
    "3 cached getPrices throughput",
    fmt(rps("getPrices"), " req/s", 0),
    fmt(bareRps, " req/s bare", 0),
    fmt(out.getPricesShare * 100, " %"),
    "≥ 50 %",
    out.met,
  );
  row(
    "3 cached getCountries throughput",
    fmt(rps("getCountries"), " req/s", 0),
    fmt(bareRps, " req/s bare", 0),
    fmt(out.getCountriesShare * 100, " %"),
  );
  return out;
}
