import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GATEWAY_SETTINGS } from "../../src/config.js";
import { SANDBOX_SETTINGS } from "../../src/sandbox/config.js";

/**
 * The README's settings table must list exactly the variables the code reads: every key of the two
 * settings tables (GATEWAY_SETTINGS, SANDBOX_SETTINGS) and any `process.env.NAME` read directly
 * anywhere in src/ (e.g. KEYS_FILE in the keys command, LOG_LEVEL in the sandbox).
 */

const ROOT = new URL("../..", import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => readFileSync(join(ROOT, dir, f), "utf8"));
}

function documented(): string[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  return [...readme.matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/gm)].map((m) => m[1]!);
}

function readByCode(): Set<string> {
  const names = new Set([...Object.keys(GATEWAY_SETTINGS), ...Object.keys(SANDBOX_SETTINGS)]);
  for (const text of sources("src")) {
    for (const m of text.matchAll(/process\.env(?:\.([A-Z][A-Z0-9_]*)|\[["']([A-Z][A-Z0-9_]*)["']\])/g)) {
      names.add(m[1] ?? m[2]!);
    }
  }
  return names;
}

describe("README settings table", () => {
  const rows = documented();
  const read = readByCode();

  it("finds the table and the settings", () => {
    expect(rows.length).toBeGreaterThan(10);
    expect(read.has("PORT")).toBe(true);
    expect(read.has("SANDBOX_ACCOUNTS")).toBe(true);
  });

  it("documents every variable the code reads", () => {
    const missing = [...read].filter((name) => !rows.includes(name)).sort();
    expect(missing, "read by the code but not in the README's settings table").toEqual([]);
  });

  it("documents only variables the code reads, each once", () => {
    const unread = rows.filter((name) => !read.has(name));
    expect(unread, "in the README's settings table but read by no code").toEqual([]);
    const twice = rows.filter((name, i) => rows.indexOf(name) !== i);
    expect(twice, "listed twice").toEqual([]);
  });
});
