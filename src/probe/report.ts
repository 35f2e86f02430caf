import type { ProbeReport } from "./run.js";

/** The probe's printed report. `secret` (the key) is blanked out of every line, just in case. */
export function formatReport(report: ProbeReport, secret?: string): string {
  const lines = [`Upstream probe: ${report.upstream}`, ""];
  if (report.unreachable) {
    // One summary, the reason once: not one identical block per call.
    const first = report.results[0]!;
    lines.push(`NO ANSWER  ${first.request}: ${first.noAnswer}`);
    lines.push(
      `The upstream did not answer, so the other ${report.planned - 1} calls were not made: ` +
        "check --upstream (the native API base, e.g. https://smsbulk.net/api/v1) and that it is up.",
    );
    return finish(lines, secret);
  }
  for (const r of report.results) {
    const status = r.status === undefined ? "" : ` → ${r.status}`;
    const verdict = r.skipped ? "SKIPPED" : r.matched ? "MATCHED" : "DIFFERS";
    lines.push(`${verdict}  ${r.request}${status}`);
    for (const d of r.differences) lines.push(`         differs: ${d}`);
    for (const n of r.notes) lines.push(`         note: ${n}`);
    if (!r.matched && r.consequence) lines.push(`         gateway: ${r.consequence}`);
  }
  const made = report.results.filter((r) => !r.skipped);
  const differing = made.filter((r) => !r.matched).length;
  lines.push("");
  if (report.keyRefused)
    lines.push("The key was refused (401/403): check --key; keyed calls could not be compared.");
  lines.push(
    differing === 0
      ? `All ${made.length} calls matched what the gateway expects.`
      : `${differing} of ${made.length} calls differ from what the gateway expects.`,
  );
  return finish(lines, secret);
}

function finish(lines: string[], secret: string | undefined): string {
  const text = `${lines.join("\n")}\n`;
  return secret ? text.replaceAll(secret, "[key]") : text;
}
