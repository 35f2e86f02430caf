#!/usr/bin/env node
/**
 * `npm run test:mutants`: planted bugs that the tests must catch (docs/architecture.md §6), so a
 * faster or rewritten suite can be shown to still guard what matters.
 *
 * Each `test/mutants/<name>.patch` is a `git diff` that plants one bug, after a few header lines:
 * what the bug is, and a line `tests: <file> <file> …` naming the test files that catch it (or
 * `run: <command>` for a bug only a check catches, such as `run: npm run typecheck`). For each
 * patch this copies the checkout as it is (tracked and untracked files, uncommitted changes
 * included; node_modules linked) to a scratch directory, applies the patch there, builds dist/ (the
 * tests that spawn the gateway run it) and runs `vitest run <those files>` (or its command), or the
 * whole suite with `--all`. The run must fail: one line a mutant, `caught` or `SURVIVED`, then a summary; exit 1
 * when any survived, no longer applies (the code moved: remake the patch) or does not build.
 *
 *   node scripts/mutants.mjs [--dir DIR] [--only NAME]… [--all] [--verbose]
 *
 * `--verbose` shows vitest's own output; otherwise a line every 30 s says it is still running, and
 * the tail of the output is shown only when a patch does not apply or build, or vitest went wrong.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
let MUTANTS = join(ROOT, "test/mutants");
const HEARTBEAT_MS = 30_000;
const TAIL_LINES = 60;
const USAGE = "usage: node scripts/mutants.mjs [--dir DIR] [--only NAME]… [--all] [--verbose]";

function parseArgs(argv) {
  const opts = { only: [], all: false, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--all") opts.all = true;
    else if (arg === "--verbose") opts.verbose = true;
    else if (arg === "--only" && argv[i + 1]) opts.only.push(...argv[++i].split(","));
    else if (arg.startsWith("--only=")) opts.only.push(...arg.slice("--only=".length).split(","));
    // another set of planted bugs, e.g. soak/variants (the soak must catch those)
    else if (arg === "--dir" && argv[i + 1]) MUTANTS = join(ROOT, argv[++i]);
    else {
      console.error(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`);
      process.exit(2);
    }
  }
  opts.only = opts.only.map((name) => basename(name, ".patch")).filter(Boolean);
  return opts;
}

/** The patches, each with the test files (or the command) its header names. */
function loadMutants(only) {
  const all = readdirSync(MUTANTS)
    .filter((file) => file.endsWith(".patch"))
    .sort()
    .map((file) => {
      const path = join(MUTANTS, file);
      const text = readFileSync(path, "utf8");
      const header = text.slice(0, Math.max(0, text.indexOf("diff --git")));
      const words = (name) =>
        new RegExp(`^${name}:(.*)$`, "m").exec(header)?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
      return { name: basename(file, ".patch"), path, tests: words("tests"), command: words("run") };
    });
  const unknown = only.filter((name) => !all.some((m) => m.name === name));
  if (unknown.length > 0) {
    console.error(`no such mutant: ${unknown.join(", ")} (there are: ${all.map((m) => m.name).join(", ")})`);
    process.exit(2);
  }
  const chosen = only.length > 0 ? all.filter((m) => only.includes(m.name)) : all;
  for (const m of chosen.filter((m) => m.command.length === 0)) {
    const missing = m.tests.filter((file) => !existsSync(join(ROOT, file)));
    if (m.tests.length === 0 || missing.length > 0) {
      console.error(
        m.tests.length === 0
          ? `test/mutants/${m.name}.patch: its header has no line "tests: <file> …" (or "run: <command>")`
          : `test/mutants/${m.name}.patch names test files that do not exist: ${missing.join(" ")}`,
      );
      process.exit(2);
    }
  }
  return chosen;
}

/** The checkout as it is: tracked files (as in the working tree) and untracked ones git does not ignore. */
function checkoutFiles() {
  const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  // a tracked file deleted in the working tree is listed too: the copy goes without it
  return listed.stdout.split("\0").filter((file) => file && existsSync(join(ROOT, file)));
}

/** The scratch copy being tried, removed on Ctrl-C too. */
let scratch;
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    process.exit(130);
  });
}

function scratchCopy(files) {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "mutant-")));
  scratch = dir;
  for (const file of files) cpSync(join(ROOT, file), join(dir, file));
  symlinkSync(realpathSync(join(ROOT, "node_modules")), join(dir, "node_modules"));
  return dir;
}

/** A command in the scratch copy, its output kept (and shown with --verbose); resolves to its exit status. */
function run(cmd, args, cwd, { verbose, env = {} }) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const output = [];
    const keep = (chunk) => {
      output.push(chunk);
      if (verbose) process.stdout.write(chunk);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", (err) => resolve({ status: -1, output: `${err}` }));
    child.on("close", (status, signal) =>
      resolve({ status: status ?? signal, output: Buffer.concat(output).toString("utf8") }),
    );
  });
}

const seconds = (ms) => `${Math.round(ms / 1000)} s`;
const plural = (n, what) => `${n} ${what}${n === 1 ? "" : "s"}`;

function tail(output) {
  const lines = output.trimEnd().split("\n");
  return lines
    .slice(-TAIL_LINES)
    .map((line) => `    | ${line}`)
    .join("\n");
}

/** What vitest's JSON report says: tests passed and failed, and the files with a failure. */
function failures(reportPath) {
  let report;
  try {
    report = JSON.parse(readFileSync(reportPath, "utf8"));
  } catch {
    return undefined; // vitest did not get as far as its report
  }
  return {
    passed: report.numPassedTests ?? 0,
    tests: report.numFailedTests ?? 0,
    files: (report.testResults ?? []).filter((r) => r.status === "failed").map((r) => r.name),
  };
}

/** Plants one mutant in a scratch copy and runs its tests: "caught", "survived" or "error". */
async function tryMutant(mutant, files, opts, label) {
  const progress = (line) => console.log(`${label} ${line}`);
  const started = Date.now();
  const dir = scratchCopy(files);
  try {
    progress(`copied the checkout to ${dir}; applying the patch`);
    // The ceiling keeps git from taking a repository above the scratch copy for this one.
    const gitEnv = { GIT_CEILING_DIRECTORIES: dirname(dir) };
    const applied = await run("git", ["apply", mutant.path], dir, { verbose: false, env: gitEnv });
    if (applied.status !== 0) {
      console.log(
        `NO APPLY ${mutant.name}: test/mutants/${mutant.name}.patch no longer applies: the code it plants its bug in moved; remake it (README, "Planted bugs")\n${tail(applied.output)}`,
      );
      return "error";
    }
    progress("building dist/");
    const built = await run(process.execPath, ["scripts/ensure-build.mjs"], dir, opts);
    if (built.status !== 0) {
      console.log(`ERROR    ${mutant.name}: dist/ does not build with the patch\n${tail(built.output)}`);
      return "error";
    }
    if (mutant.command.length > 0) return await tryCommand(mutant, dir, opts, progress, started);
    const targets = opts.all ? [] : mutant.tests;
    progress(`running ${opts.all ? "the whole suite" : targets.join(" ")}`);
    const reportPath = join(dir, ".mutant-report.json");
    const testsStarted = Date.now();
    const heartbeat = setInterval(
      () => progress(`still running (${seconds(Date.now() - testsStarted)})`),
      HEARTBEAT_MS,
    );
    const reporters = [...(opts.verbose ? ["--reporter=default"] : []), "--reporter=json"];
    const tested = await run(
      "npx",
      ["vitest", "run", ...targets, ...reporters, `--outputFile.json=${reportPath}`],
      dir,
      opts,
    ).finally(() => clearInterval(heartbeat));
    const took = seconds(Date.now() - testsStarted);
    const failed = failures(reportPath);
    if (tested.status === 0) {
      console.log(`SURVIVED ${mutant.name}  (all ${failed?.passed ?? "its"} tests passed, ${took})`);
      return "survived";
    }
    if (!failed || (failed.tests === 0 && failed.files.length === 0)) {
      console.log(
        `ERROR    ${mutant.name}: vitest exited ${tested.status} without a failed test${opts.verbose ? "" : " (--verbose shows its output)"}\n${tail(tested.output)}`,
      );
      return "error";
    }
    const count =
      failed.tests > 0
        ? plural(failed.tests, "failed test")
        : plural(failed.files.length, "failed test file");
    console.log(
      `caught   ${mutant.name}  (${count}, ${took}; ${seconds(Date.now() - started)} with copy and build)`,
    );
    const silent = mutant.tests.filter((file) => !failed.files.includes(join(dir, file)));
    if (silent.length > 0) console.log(`  note: named in its header, but passed: ${silent.join(" ")}`);
    return "caught";
  } finally {
    rmSync(dir, { recursive: true, force: true });
    scratch = undefined;
  }
}

/** A mutant only a check catches (`run: <command>`): the command must exit non-zero. */
async function tryCommand(mutant, dir, opts, progress, started) {
  progress(`running ${mutant.command.join(" ")}`);
  const [cmd, ...args] = mutant.command;
  const checked = await run(cmd, args, dir, opts);
  const took = seconds(Date.now() - started);
  if (checked.status === 0) {
    console.log(`SURVIVED ${mutant.name}  (${mutant.command.join(" ")} passed, ${took})`);
    return "survived";
  }
  console.log(
    `caught   ${mutant.name}  (${mutant.command.join(" ")} exited ${checked.status}, ${took} with copy)`,
  );
  return "caught";
}

const opts = parseArgs(process.argv.slice(2));
const mutants = loadMutants(opts.only);
const files = checkoutFiles();
const tally = { caught: 0, survived: 0, error: 0 };
for (const [i, mutant] of mutants.entries()) {
  tally[await tryMutant(mutant, files, opts, `[${i + 1}/${mutants.length} ${mutant.name}]`)] += 1;
}
const errors = tally.error > 0 ? `, ${tally.error} not applied or not run` : "";
console.log(`mutants: ${tally.caught} caught, ${tally.survived} survived${errors}`);
process.exit(tally.caught === mutants.length ? 0 : 1);
