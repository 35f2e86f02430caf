import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

/**
 * `scripts/ensure-build.mjs`: `npm start`, `sandbox`, `keys` and `probe` build only when a source
 * changed. Checked on a tiny project of its own (the script builds the tree it sits in), so the
 * real dist/ that other tests run is never rebuilt under them.
 */
const ROOT = new URL("../..", import.meta.url).pathname;
const SCRIPT = join(ROOT, "scripts/ensure-build.mjs");

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), "ensure-build-"));
  mkdirSync(join(dir, "scripts"));
  mkdirSync(join(dir, "src"));
  copyFileSync(SCRIPT, join(dir, "scripts/ensure-build.mjs"));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "tiny", private: true, type: "module" }));
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      // noLib and the few global types tsc insists on: a build takes a second, not ten
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        strict: true,
        noLib: true,
        types: [],
        outDir: "dist",
      },
    }),
  );
  writeFileSync(
    join(dir, "src/globals.d.ts"),
    ["Array<T>", "Boolean", "CallableFunction", "Function", "IArguments", "NewableFunction", "Number"]
      .concat(["Object", "RegExp", "String"])
      .map((t) => `interface ${t} {}\n`)
      .join(""),
  );
  writeFileSync(
    join(dir, "tsconfig.build.json"),
    JSON.stringify({ extends: "./tsconfig.json", compilerOptions: { rootDir: "src" }, include: ["src"] }),
  );
  writeFileSync(join(dir, "src/a.ts"), 'export const a: string = "first";\n');
  return dir;
}

function ensure(dir: string, ...args: string[]) {
  const res = spawnSync(process.execPath, [join(dir, "scripts/ensure-build.mjs"), ...args], {
    cwd: dir,
    encoding: "utf8",
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** A file only a build removes (a build replaces dist/ whole). */
const leftovers = (dir: string) => readdirSync(dir).filter((name) => name.startsWith("dist."));
const mark = (dir: string) => writeFileSync(join(dir, "dist/untouched"), "");
const rebuilt = (dir: string) => !existsSync(join(dir, "dist/untouched"));

describe("ensure-build (a tiny project)", () => {
  let dir: string;
  beforeAll(() => {
    dir = project();
  });

  it("builds when there is no build yet: one line on stderr, nothing on stdout", () => {
    const run = ensure(dir);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe("building dist/ (no build yet)…\n");
    expect(readFileSync(join(dir, "dist/a.js"), "utf8")).toContain('"first"');
  });

  it("an unchanged tree: no build, no output", () => {
    mark(dir);
    const run = ensure(dir);
    expect(run).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(rebuilt(dir)).toBe(false);
    expect(ensure(dir, "--check").status).toBe(0);
  });

  it("an edited source is rebuilt before anything runs it", () => {
    writeFileSync(join(dir, "src/a.ts"), 'export const a: string = "second";\n');
    expect(ensure(dir, "--check").status).toBe(1);
    expect(rebuilt(dir)).toBe(false); // --check builds nothing
    const run = ensure(dir);
    expect(run.stderr).toBe("building dist/ (sources changed since the last build)…\n");
    expect(run.status).toBe(0);
    expect(readFileSync(join(dir, "dist/a.js"), "utf8")).toContain('"second"');
  });

  it("an added or deleted source file, or a changed tsconfig, is a change too", () => {
    mark(dir);
    writeFileSync(join(dir, "src/b.ts"), "export const b = 2;\n");
    expect(ensure(dir).stderr).toMatch(/^building/);
    expect(existsSync(join(dir, "dist/b.js"))).toBe(true);

    rmSync(join(dir, "src/b.ts"));
    expect(ensure(dir).stderr).toMatch(/^building/);
    expect(existsSync(join(dir, "dist/b.js"))).toBe(false); // no output of a deleted source is left

    mark(dir);
    writeFileSync(
      join(dir, "tsconfig.build.json"),
      JSON.stringify({
        extends: "./tsconfig.json",
        compilerOptions: { rootDir: "src", sourceMap: true },
        include: ["src"],
      }),
    );
    expect(ensure(dir).stderr).toMatch(/^building/);
    expect(rebuilt(dir)).toBe(true);
  });

  it("a failed build exits 1 and is tried again next time; --force always builds", () => {
    writeFileSync(join(dir, "src/a.ts"), "export const a: string = 1;\n");
    const failed = ensure(dir);
    expect(failed.status).toBe(1);
    expect(failed.stdout).toBe(""); // tsc's report goes to stderr
    expect(failed.stderr).toMatch(/error TS2322/);
    expect(failed.stderr).toMatch(/build failed/);
    expect(ensure(dir, "--check").status).toBe(1);
    // what was built last is still there for whatever runs from dist/ now; nothing half-built beside it
    expect(readFileSync(join(dir, "dist/a.js"), "utf8")).toContain('"second"');
    expect(leftovers(dir)).toEqual([]);

    writeFileSync(join(dir, "src/a.ts"), 'export const a: string = "third";\n');
    expect(ensure(dir).status).toBe(0);
    mark(dir);
    const forced = ensure(dir, "--force");
    expect(forced.stderr).toBe("building dist/ (npm run build)…\n");
    expect(rebuilt(dir)).toBe(true);
    expect(leftovers(dir)).toEqual([]);
  });
});

describe("the project's own scripts", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };

  it("build once: npm install builds, the commands and npm test rebuild only when needed", () => {
    expect(pkg.scripts.prepare).toBe("node scripts/ensure-build.mjs");
    for (const command of ["start", "sandbox", "keys", "probe"]) {
      expect(pkg.scripts[`pre${command}`], command).toBe("node scripts/ensure-build.mjs");
      // exec: the shell npm runs the script in is replaced by node, so signals reach node
      expect(pkg.scripts[command], command).toMatch(/^exec node dist\//);
    }
    expect(pkg.scripts.build).toBe("node scripts/ensure-build.mjs --force");
    // two `npm test` side by side in one checkout: neither rebuilds dist/ under the other
    expect(pkg.scripts.pretest).toBe("node scripts/ensure-build.mjs");
  });

  it("after npm test's build, `npm run -s keys` answers without building", () => {
    const check = spawnSync(process.execPath, [SCRIPT, "--check"], { encoding: "utf8" });
    expect(check.status, `dist/ is not current: run npm run build first\n${check.stderr}`).toBe(0);
    const file = join(mkdtempSync(join(tmpdir(), "ensure-build-keys-")), "keys.json");
    const added = spawnSync("npm", ["run", "-s", "keys", "--", "add", "--upstream-key", "k-0123456789"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, KEYS_FILE: file },
    });
    expect(added.status, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/^[0-9a-f]{32}\n$/); // the key and nothing else
    expect(added.stderr).not.toMatch(/building/);
    expect(added.stderr).toMatch(/^added gk_/);
  });
});
