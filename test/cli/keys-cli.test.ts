import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hashKey, loadKeyResolver } from "../../src/keys/key-file.js";
import { keysCli } from "../helpers/process.js";

const UPSTREAM = "upstream-secret-0123456789";

/** `npm run keys` with a clean environment (no KEYS_FILE unless given). */
const keys = (args: string[], env: Record<string, string> = {}, input?: string) =>
  keysCli(args, { env, ...(input !== undefined && { input }) });

describe("npm run keys (compiled CLI)", () => {
  it("add → list → revoke, never printing the upstream key", () => {
    const file = join(mkdtempSync(join(tmpdir(), "keys-cli-")), "keys.json");
    const outputs: string[] = [];

    const added = keys(["add", "--upstream-key", UPSTREAM, "--label", "bot A", "--file", file]);
    outputs.push(added.stdout, added.stderr);
    expect(added.status).toBe(0);
    const gatewayKey = added.stdout.trim();
    expect(gatewayKey).toMatch(/^[0-9a-f]{32}$/); // stdout is the key and nothing else
    expect(added.stderr).toMatch(/added gk_[0-9a-f]{8} \(bot A\).*shown only this once/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = readFileSync(file, "utf8");
    expect(stored).not.toContain(gatewayKey);
    expect(stored).toContain(hashKey(gatewayKey));

    // KEYS_FILE instead of --file; the upstream key from stdin
    const second = keys(["add", "--upstream-key", "-"], { KEYS_FILE: file }, `${UPSTREAM}-b\n`);
    outputs.push(second.stdout, second.stderr);
    expect(second.status).toBe(0);

    const resolve = loadKeyResolver(file);
    expect(resolve(gatewayKey)).toBe(UPSTREAM);
    expect(resolve(second.stdout.trim())).toBe(`${UPSTREAM}-b`);

    const listed = keys(["list", "--file", file]);
    outputs.push(listed.stdout, listed.stderr);
    expect(listed.status).toBe(0);
    const lines = listed.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^id\s+label\s+created\s+revoked$/);
    expect(lines).toHaveLength(3);
    const id = /^(gk_[0-9a-f]{8})\s+bot A\s+\d{4}-\d\d-\d\dT\S+\s+-$/.exec(lines[1]!)?.[1];
    expect(id).toBeDefined();

    const revoked = keys(["revoke", id!, "--file", file]);
    outputs.push(revoked.stdout, revoked.stderr);
    expect(revoked.status).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^revoked ${id} at \\d{4}-`));
    expect(loadKeyResolver(file)(gatewayKey)).toBeUndefined();
    expect(loadKeyResolver(file)(second.stdout.trim())).toBe(`${UPSTREAM}-b`);

    const after = keys(["list", "--file", file]);
    outputs.push(after.stdout, after.stderr);
    expect(after.stdout).toMatch(new RegExp(`${id}\\s+bot A\\s+\\S+\\s+\\d{4}-`));

    for (const out of outputs) {
      expect(out).not.toContain(UPSTREAM);
      if (out !== added.stdout) expect(out).not.toContain(gatewayKey);
    }
  });

  it("usage errors exit 2, file errors exit 1, both on stderr", () => {
    const dir = mkdtempSync(join(tmpdir(), "keys-cli-"));
    expect(keys([]).status).toBe(2);
    expect(keys(["list"]).stderr).toMatch(/no keys file/);
    expect(keys(["add", "--file", join(dir, "k.json")]).status).toBe(2);
    expect(keys(["frobnicate", "--file", join(dir, "k.json")]).status).toBe(2);
    const missing = keys(["list", "--file", join(dir, "none.json")]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/cannot read keys file/);
    const unknown = keys(["revoke", "gk_00000000", "--file", join(dir, "none.json")]);
    expect(unknown.status).toBe(1);
  });
});
