#!/usr/bin/env node
/**
 * Builds dist/ only when what it is compiled from changed: `npm start`, `npm run sandbox`, `keys`
 * and `probe` run this first, so an unchanged tree starts at once and an edited one is never served
 * stale. `npm install` runs it too (`prepare`); `--force` always rebuilds (`npm run build`);
 * `--check` only says whether a build is due (exit 1) or not (exit 0).
 *
 * The inputs' fingerprint (a hash of every file under src/, the tsconfig files and package.json)
 * is written to dist/.build-stamp after a successful build; a build compiles into a fresh directory
 * beside dist/ and swaps it in.
 * Prints one line to stderr when it builds, nothing otherwise; tsc's own output goes to stderr.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DIST = join(ROOT, "dist");
const STAMP = join(DIST, ".build-stamp");
const INPUT_FILES = ["tsconfig.json", "tsconfig.build.json", "package.json"];
const INPUT_DIRS = ["src"];

/** Every input file, relative to the root, sorted. */
function inputs() {
  const files = INPUT_FILES.filter((f) => existsSync(join(ROOT, f)));
  for (const dir of INPUT_DIRS) {
    if (!existsSync(join(ROOT, dir))) continue;
    for (const entry of readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })) {
      const path = join(dir, entry);
      if (statSync(join(ROOT, path)).isFile()) files.push(path);
    }
  }
  return files.sort();
}

/** Paths and contents: a renamed, deleted or restored file changes it, whatever its mtime. */
function fingerprint(files) {
  const hash = createHash("sha256").update("ensure-build 1\0");
  for (const file of files)
    hash
      .update(file)
      .update("\0")
      .update(readFileSync(join(ROOT, file)))
      .update("\0");
  return hash.digest("hex");
}

function readStamp() {
  try {
    return readFileSync(STAMP, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** Compiles src/ into a fresh dist/ carrying `stamp` (the fingerprint of what it was built from). */
function build(reason, stamp) {
  let tsc;
  try {
    tsc = createRequire(join(ROOT, "package.json")).resolve("typescript/bin/tsc");
  } catch {
    process.stderr.write("cannot build dist/: typescript is not installed (run npm install)\n");
    process.exit(1);
  }
  process.stderr.write(`building dist/ (${reason})…\n`);
  // Built beside dist/ and swapped in whole: a gateway or test already running from dist/ (another
  // `npm test` in this checkout, say) never sees it half-written.
  const next = `${DIST}.next-${process.pid}`;
  const old = `${DIST}.old-${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  // tsc reports on stdout: keep stdout for the command that follows (e.g. the key `keys add` prints).
  const run = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", next], {
    cwd: ROOT,
    stdio: ["ignore", 2, 2],
  });
  if (run.status !== 0) {
    rmSync(next, { recursive: true, force: true });
    process.stderr.write(`build failed (tsc exit ${run.status ?? run.signal})\n`);
    process.exit(1);
  }
  writeFileSync(join(next, ".build-stamp"), `${stamp}\n`);
  if (existsSync(DIST)) renameSync(DIST, old);
  renameSync(next, DIST);
  rmSync(old, { recursive: true, force: true });
}

const force = process.argv.includes("--force");
const checkOnly = process.argv.includes("--check");
if (!existsSync(join(ROOT, "src"))) {
  // A container's dependency layer is installed before the sources are copied in.
  if (force) {
    process.stderr.write("cannot build dist/: there is no src/\n");
    process.exit(1);
  }
  process.exit(0);
}
const before = fingerprint(inputs());
const stamp = readStamp();
if (checkOnly) {
  // `--check`: exit 0 when dist/ is current, 1 when a build is due; builds nothing.
  if (stamp !== before) process.stderr.write("dist/ is out of date (or missing)\n");
  process.exit(stamp === before ? 0 : 1);
}
if (force || stamp !== before) {
  // The fingerprint taken before tsc ran: an edit made during the build shows up as a change next time.
  build(
    force ? "npm run build" : stamp === undefined ? "no build yet" : "sources changed since the last build",
    before,
  );
}
