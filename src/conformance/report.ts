import type { RunReport } from "./run.js";

/** Blanks the key out of any text: as written, percent-encoded and form-encoded. */
export function redact(text: string, key: string): string {
  if (key === "") return text;
  let out = text;
  const forms = new Set([key, encodeURIComponent(key), new URLSearchParams({ k: key }).toString().slice(2)]);
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.replaceAll(form, "[key]");
  return out;
}

export function counts(report: RunReport): { passed: number; failed: number; skipped: number } {
  const n = (r: string) => report.results.filter((c) => c.result === r).length;
  return { passed: n("PASS"), failed: n("FAIL"), skipped: n("SKIP") };
}

/** 0 all passed (SKIP is not a failure), 1 something failed or nothing answered. */
export function exitCode(report: RunReport): number {
  return report.unreachable !== undefined || counts(report).failed > 0 ? 1 : 0;
}

/** The text report: one line per check, a `breaks:` line under each FAIL, then the totals. */
export function formatText(report: RunReport, key: string): string {
  if (report.unreachable !== undefined) return redact(`FAIL  ${report.unreachable}\n`, key);
  const width = Math.max(...report.results.map((r) => r.name.length), 10);
  const lines = [
    `Conformance of ${report.endpoint} (${report.buying ? "with purchases" : "read-only: nothing is bought"})`,
  ];
  if (report.keyRefused) lines.push("The endpoint refused the key (BAD_KEY) on getBalance: check --key.");
  lines.push("");
  for (const r of report.results) {
    lines.push(`${r.result.padEnd(4)}  ${r.name.padEnd(width)}  ${r.detail}`);
    if (r.result === "FAIL") lines.push(`${" ".repeat(6 + width + 2)}breaks: ${r.breaks}`);
  }
  const c = counts(report);
  lines.push(
    "",
    `${report.results.length} checks: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`,
    `Spent: ${report.spent} (${report.spentDetail})`,
  );
  const open = report.purchases.filter((p) => !p.settled);
  if (open.length > 0) {
    lines.push(
      `STILL ACTIVE: ${open.map((p) => `${p.via} ${p.id}`).join(", ")}: cancel with setStatus 8 or let them expire`,
    );
  }
  return redact(`${lines.join("\n")}\n`, key);
}

/** `--json`: `{"endpoint":…,"checks":[{"name","result","detail","breaks"}],"spent":"0.00",…}` */
export function formatJson(report: RunReport, key: string): string {
  const doc = {
    endpoint: report.endpoint,
    ...(report.unreachable !== undefined && { error: report.unreachable }),
    checks: report.results.map((r) => ({
      name: r.name,
      result: r.result,
      detail: r.detail,
      breaks: r.breaks,
    })),
    spent: report.spent,
    spentDetail: report.spentDetail,
    summary: counts(report),
    numbers: report.purchases.map((p) => ({
      id: p.id,
      via: p.via,
      ...(p.cost !== undefined && { cost: p.cost }),
      settled: p.settled ?? null,
      ...(p.note !== undefined && { note: p.note }),
    })),
  };
  // Redacted string by string before serializing, so the JSON stays valid whatever the key is.
  const clean = JSON.parse(JSON.stringify(doc), (_k, v: unknown) =>
    typeof v === "string" ? redact(v, key) : v,
  );
  return `${JSON.stringify(clean, null, 2)}\n`;
}
