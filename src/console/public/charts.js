// @ts-check
/*
 * Line charts in plain SVG for the console (no library): time on x, one path per series. A classic
 * script, as console.js: `ConsoleCharts` is the global that console.js draws with.
 */

/** @typedef {{ cls: string, values: [t: number, v: number | null][] }} ChartLine */

// biome-ignore lint/correctness/noUnusedVariables: the global console.js draws with
const ConsoleCharts = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const W = 400;
  const H = 150;
  const LEFT = 36;
  const RIGHT = 6;
  const TOP = 8;
  const BOTTOM = 18;

  /**
   * 1, 2, 2.5, 5 × a power of ten: the smallest at or above `v`.
   * @param {number} v
   */
  function niceMax(v) {
    if (!(v > 0)) return 1;
    const p = 10 ** Math.floor(Math.log10(v));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }

  /** @param {number} v */
  function label(v) {
    if (v >= 10000) return `${Math.round(v / 1000)}k`;
    if (v >= 1000) return `${(v / 1000).toFixed(1)}k`;
    return Number.isInteger(v) ? String(v) : v.toFixed(1);
  }

  /**
   * @param {string} name
   * @param {Record<string, string | number>} attrs
   * @param {string} [text]
   */
  function node(name, attrs, text) {
    const el = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    if (text !== undefined) el.textContent = text;
    return el;
  }

  /**
   * Draws `lines` ([{cls, values: [[t, v | null], …]}]) over the `spanMs` before `now`; a null
   * value breaks its line (a second without calls has no latency).
   * @param {SVGSVGElement} svg
   * @param {ChartLine[]} lines
   * @param {{ now: number, spanMs: number }} view
   */
  function draw(svg, lines, { now, spanMs }) {
    const t0 = now - spanMs;
    let max = 0;
    for (const line of lines) for (const [t, v] of line.values) if (v !== null && t >= t0 && v > max) max = v;
    max = niceMax(max);
    const x = (/** @type {number} */ t) => LEFT + ((t - t0) / spanMs) * (W - LEFT - RIGHT);
    const y = (/** @type {number} */ v) => TOP + (1 - v / max) * (H - TOP - BOTTOM);
    /** @type {Element[]} */
    const parts = [];
    for (const f of [0, 0.5, 1]) {
      const yy = y(max * f).toFixed(1);
      parts.push(node("line", { class: "grid", x1: LEFT, x2: W - RIGHT, y1: yy, y2: yy }));
      parts.push(
        node("text", { class: "axis", x: LEFT - 4, y: Number(yy) + 3, "text-anchor": "end" }, label(max * f)),
      );
    }
    const minutes = Math.round(spanMs / 60000);
    parts.push(node("text", { class: "axis", x: LEFT, y: H - 4 }, `−${minutes} min`));
    parts.push(
      node(
        "text",
        { class: "axis", x: (LEFT + W - RIGHT) / 2, y: H - 4, "text-anchor": "middle" },
        `−${minutes / 2} min`,
      ),
    );
    parts.push(node("text", { class: "axis", x: W - RIGHT, y: H - 4, "text-anchor": "end" }, "now"));
    for (const line of lines) {
      // A run of one point (a lone second with calls) is drawn as a dot: a zero-length round cap.
      let d = "";
      let dots = "";
      let run = "";
      let points = 0;
      const endRun = () => {
        if (points === 1) dots += `${run}h0.01`;
        else d += run;
        run = "";
        points = 0;
      };
      for (const [t, v] of line.values) {
        if (t < t0) continue;
        if (v === null) {
          endRun();
          continue;
        }
        run += `${points === 0 ? "M" : "L"}${x(t).toFixed(1)} ${y(v).toFixed(1)}`;
        points += 1;
      }
      endRun();
      if (dots) parts.push(node("path", { class: `${line.cls} dot`, d: dots }));
      if (d) parts.push(node("path", { class: line.cls, d, "data-series": line.cls }));
    }
    const title = svg.querySelector("title");
    svg.replaceChildren(...(title ? [title] : []), ...parts);
  }

  return { draw };
})();
