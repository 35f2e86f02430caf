import type { z } from "zod";

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

/** `["data", 0, "price"]` → `data[0].price`; the root is `(root)`. */
function formatPath(path: Path): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(root)" : out;
}

function receivedOf(issue: Issue): string | undefined {
  return /received (\w+)/.exec(issue.message)?.[1];
}

function depth(issues: readonly Issue[]): number {
  return Math.max(0, ...issues.map((i) => i.path.length + (i.code === "invalid_union" ? 1 : 0)));
}

/**
 * One line per difference, naming the field and the expected type, never the value received
 * (a body could carry anything): `data[0].price: expected string|number, got object`.
 * For a union, the branch that got furthest into the body is the one reported.
 */
export function describeIssues(issues: readonly Issue[], base: Path = []): string[] {
  return issues.flatMap((issue) => {
    const path = [...base, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      const branches = issue.errors;
      const simple = branches.every(
        (b) => b.length === 1 && b[0]!.code === "invalid_type" && b[0]!.path.length === 0,
      );
      if (simple) {
        const expected = branches.map((b) => (b[0] as { expected: string }).expected).join("|");
        const got = receivedOf(branches[0]![0]!);
        return [
          `${formatPath(path)}: ${got === "undefined" ? "missing, " : ""}expected ${expected}${got && got !== "undefined" ? `, got ${got}` : ""}`,
        ];
      }
      const best = [...branches].sort((a, b) => depth(b) - depth(a) || a.length - b.length)[0]!;
      return describeIssues(best, path);
    }
    if (issue.code === "invalid_type") {
      const got = receivedOf(issue);
      if (got === "undefined") return [`${formatPath(path)}: missing, expected ${issue.expected}`];
      return [`${formatPath(path)}: expected ${issue.expected}${got ? `, got ${got}` : ""}`];
    }
    return [`${formatPath(path)}: ${issue.message}`];
  });
}
