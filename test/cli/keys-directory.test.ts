import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { linesOf } from "../helpers/ops.js";

/**
 * The README's keys example on a fresh machine: `export KEYS_FILE=/etc/smsgw/keys.json` names a
 * directory that does not exist yet. `keys add` creates it (0700) and the file (0600); a directory
 * that cannot be created is one line naming it, exit 1.
 */
const CLI = new URL("../../dist/keys/cli.js", import.meta.url).pathname;

function keys(args: string[], keysFile: string) {
  const res = spawnSync(process.execPath, [CLI, ...args], {
    encoding: "utf8",
    env: { ...process.env, KEYS_FILE: keysFile },
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe("keys add into a directory that does not exist yet", () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error("dist/keys/cli.js is missing: run `npm run build`");
  });

  it("creates the nested directories with mode 0700 and the file with 0600", () => {
    const base = mkdtempSync(join(tmpdir(), "keys-dir-"));
    const file = join(base, "etc", "smsgw", "keys.json");
    const added = keys(["add", "--upstream-key", "upstream-0123456789", "--label", "bot A"], file);
    expect(added.status, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/^[0-9a-f]{32}\n$/);
    expect(statSync(join(base, "etc")).mode & 0o777).toBe(0o700);
    expect(statSync(join(base, "etc", "smsgw")).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const listed = keys(["list"], file);
    expect(listed.status).toBe(0);
    expect(linesOf(listed.stdout)).toHaveLength(2); // header + the key
  });

  it("a directory under a regular file: one line naming that directory, exit 1", () => {
    const base = mkdtempSync(join(tmpdir(), "keys-dir-"));
    writeFileSync(join(base, "plain-file"), "");
    const dir = join(base, "plain-file", "smsgw");
    const added = keys(["add", "--upstream-key", "upstream-0123456789"], join(dir, "keys.json"));
    expect(added.status).toBe(1);
    expect(added.stdout).toBe("");
    const lines = linesOf(added.stderr);
    expect(lines, added.stderr).toHaveLength(1);
    expect(lines[0]).toBe(`keys: cannot write the keys file: ${dir} is not a directory`);
    expect(added.stderr).not.toContain("upstream-0123456789");
    expect(added.stderr).not.toMatch(/\.tmp|ENOENT|^\s+at /m);
  });
});
