import type { RedisSample, ReplicaSample } from "./resources.js";

/**
 * `soak-report.html`: the resource curves and the chaos events on one time axis, as plain SVG (no
 * script, no CDN), so an operator can look instead of read.
 */
const W = 900;
const H = 180;
const PAD = 40;
const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"];

const esc = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function chart(
  title: string,
  unit: string,
  series: { name: string; points: [number, number][] }[],
  chaos: { at: number; kind: string }[],
  endS: number,
): string {
  const ys = series.flatMap((s) => s.points.map(([, y]) => y));
  const top = Math.max(1, ...ys) * 1.1;
  const x = (t: number) => PAD + ((W - 2 * PAD) * t) / Math.max(1, endS);
  const y = (v: number) => H - PAD + 10 - ((H - PAD) * v) / top;
  const lines = series.map(
    (s, i) =>
      `<polyline fill="none" stroke="${COLOURS[i % COLOURS.length]}" stroke-width="1.5" points="${s.points
        .map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`)
        .join(" ")}"><title>${esc(s.name)}</title></polyline>`,
  );
  const marks = chaos.map(
    (c) =>
      `<line x1="${x(c.at)}" x2="${x(c.at)}" y1="10" y2="${H - PAD + 10}" stroke="#aaa" stroke-dasharray="3,3"><title>${esc(`${c.kind} at +${c.at}s`)}</title></line>` +
      `<text x="${x(c.at) + 2}" y="20" font-size="9" fill="#666">${esc(c.kind)}</text>`,
  );
  const legend = series
    .map((s, i) => `<tspan fill="${COLOURS[i % COLOURS.length]}">■ ${esc(s.name)}</tspan>`)
    .join(" ");
  return `<h2>${esc(title)}</h2>
<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">
<line x1="${PAD}" x2="${W - PAD}" y1="${H - PAD + 10}" y2="${H - PAD + 10}" stroke="#333"/>
<text x="4" y="14" font-size="10">${top.toFixed(1)} ${esc(unit)}</text>
<text x="${W - PAD}" y="${H - 8}" font-size="10" text-anchor="end">+${endS}s</text>
${marks.join("\n")}
${lines.join("\n")}
<text x="${PAD}" y="${H - 8}" font-size="11">${legend}</text>
</svg>`;
}

export function reportHtml(input: {
  title: string;
  verdict: string;
  samples: ReplicaSample[];
  redis: RedisSample[];
  chaos: { at: number; kind: string }[];
  endS: number;
  problems: string[];
}): string {
  const replicas = [...new Set(input.samples.map((s) => s.replica))];
  const of = (pick: (s: ReplicaSample) => number | null) =>
    replicas.map((name) => ({
      name,
      points: input.samples
        .filter((s) => s.replica === name && pick(s) !== null)
        .map((s) => [s.atS, pick(s)!] as [number, number]),
    }));
  const charts = [
    chart(
      "RSS",
      "MB",
      of((s) => s.rssMb),
      input.chaos,
      input.endS,
    ),
    chart(
      "Heap after GC",
      "MB",
      of((s) => s.heapMb),
      input.chaos,
      input.endS,
    ),
    chart(
      "Open file descriptors",
      "fds",
      of((s) => s.fds),
      input.chaos,
      input.endS,
    ),
    chart(
      "Redis memory",
      "MB",
      [{ name: "used_memory", points: input.redis.map((r) => [r.atS, r.usedMb]) }],
      input.chaos,
      input.endS,
    ),
  ];
  const problems = input.problems.map((p) => `<li>${esc(p)}</li>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(input.title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:960px}svg{background:#fafafa;border:1px solid #ddd}</style>
</head><body>
<h1>${esc(input.title)}</h1>
<p><strong>${esc(input.verdict)}</strong></p>
${problems ? `<ul>${problems}</ul>` : ""}
${charts.join("\n")}
</body></html>
`;
}
