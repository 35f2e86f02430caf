// Scenario 9 of `npm run bench` (console overhead): bench/run.mjs runs it, bench/README.md says how
// it is measured.
import http from "node:http";
import { buy, CLK_TCK, cpuSeconds, fmt, KEY, log, median, paced, round, STATUS_TOKEN, sum } from "../lib.mjs";

const CONSOLE_TOKEN = "bench-console-token-0001";

/**
 * (9) What recording for the console costs the hot path: two gateways in front of the same sandbox,
 * one with the console off (no CONSOLE_TOKEN: a real upstream and no token means off) and one
 * recording with a browser's event stream connected. Both get the same getStatus load side by side
 * in the same window; each process's CPU per answered request is compared.
 */
export async function run({ procs, sandbox, S, row }) {
  const rate = 400;
  const rounds = 5;
  const durationMs = 3000 * S;
  const plain = await procs.startGateway("gateway-console-off", sandbox);
  const watched = await procs.startGateway("gateway-console-on", sandbox, { CONSOLE_TOKEN });
  const viewer = followStream(`${watched.url}/console/api/stream`);
  try {
    const actsOf = new Map();
    for (const gw of [plain, watched]) {
      const acts = [];
      for (let i = 0; i < 20; i++) acts.push(await buy(gw, sandbox));
      actsOf.set(gw, acts);
    }
    const load = (gw, ms, offsetMs) =>
      paced({
        rate,
        durationMs: ms,
        connections: 16,
        offsetMs,
        target: (i) => {
          const acts = actsOf.get(gw);
          return { url: gw.call({ api_key: KEY, action: "getStatus", id: acts[i % acts.length].id }) };
        },
        check: (x) => STATUS_TOKEN.test(x),
      });
    const both = async (ms) => {
      const cpu0 = [plain, watched].map((p) => cpuSeconds(p.pid));
      const [a, b] = await Promise.all([load(plain, ms, 0), load(watched, ms, 500 / rate)]);
      const [aCpu, bCpu] = [plain, watched].map((p, i) => cpuSeconds(p.pid) - cpu0[i]);
      return {
        off: { answered: a.answered, invalid: a.invalid + a.errors, cpuS: aCpu },
        on: { answered: b.answered, invalid: b.invalid + b.errors, cpuS: bCpu },
      };
    };
    log(`  warm-up (the viewer is connected to the recording gateway: ${await viewer.connected})`);
    await both(2000 * S);
    const got = [];
    for (let i = 0; i < rounds; i++) {
      log(`  round ${i + 1}/${rounds}: console off and console recording + viewer, ${rate} req/s each`);
      got.push(await both(durationMs));
    }
    const us = (r, k) => (r[k].cpuS / r[k].answered) * 1e6;
    const perRoundRatios = got.map((r) => us(r, "on") / us(r, "off"));
    const ratio = median(perRoundRatios);
    const offUs = median(got.map((r) => us(r, "off")));
    const onUs = median(got.map((r) => us(r, "on")));
    const overheadPct = (ratio - 1) * 100;
    const out = {
      method: `two gateways (default settings) before one sandbox, one with the console off, one with CONSOLE_TOKEN and a viewer following /console/api/stream; open loop ${rate} req/s of getStatus (20 activations each) to both side by side, ${durationMs / 1000} s × ${rounds} rounds; utime+stime (ticks of ${1000 / CLK_TCK} ms) of each gateway process; ratio = median of the rounds' ratios`,
      consoleOffCpuUsPerRequest: round(offUs, 1),
      consoleOnCpuUsPerRequest: round(onUs, 1),
      ratio: round(ratio, 3),
      overheadPercent: round(overheadPct, 1),
      perRoundRatios: perRoundRatios.map((x) => round(x, 3)),
      streamEvents: viewer.events,
      streamBytes: viewer.bytes,
      invalidAnswers: sum(got.map((r) => r.off.invalid + r.on.invalid)),
      rounds: got,
      goal: "≤ 5 % more CPU per request with the console recording and a viewer connected",
      met: overheadPct <= 5,
    };
    row(
      "9 console overhead (CPU/req, viewer connected)",
      fmt(onUs, " µs"),
      fmt(offUs, " µs off"),
      `${overheadPct >= 0 ? "+" : ""}${fmt(overheadPct, " %")}`,
      "≤ +5 %",
      out.met,
    );
    return out;
  } finally {
    viewer.close();
    await watched.stop().catch(() => {});
    await plain.stop().catch(() => {});
  }
}

/** A browser's event stream, reduced to counting what arrives. */
function followStream(url) {
  const state = { events: 0, bytes: 0, connected: undefined, close: () => {} };
  state.connected = new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { authorization: `Bearer ${CONSOLE_TOKEN}` } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`console stream answered ${res.statusCode}`));
        res.resume();
        return;
      }
      resolve(true);
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        state.bytes += chunk.length;
        state.events += (chunk.match(/^event:/gm) ?? []).length;
      });
    });
    req.on("error", reject);
    state.close = () => req.destroy();
  });
  return state;
}
