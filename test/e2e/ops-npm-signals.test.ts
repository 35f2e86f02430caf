import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { httpCall } from "../helpers/ops.js";
import { cleanEnv, requireBuild } from "../helpers/process.js";
import { waitFor } from "../helpers/wait.js";

/**
 * A process manager that signals only its child's PID (systemd without KillMode=control-group, a
 * supervisor, `kill $!` in a shell script) must stop the gateway when it runs `npm start`:
 * npm → `sh -c` → node, and the shell would otherwise die and leave a live gateway behind.
 */
const ROOT = new URL("../..", import.meta.url).pathname;
/** the processes a test started (npm and what it runs), stopped by id if the test fails half-way */
let started: number[] = [];

afterEach(() => {
  for (const pid of started) {
    try {
      if (procStat(pid)) process.kill(pid, "SIGKILL");
    } catch {}
  }
  started = [];
});

/** state and parent of a process from /proc, or undefined once it is gone (or a zombie) */
function procStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const [state, ppid] = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return state === "Z" ? undefined : { state: state!, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = procStat(Number(name));
    if (stat) parents.set(Number(name), stat.ppid);
  }
  const found: number[] = [];
  let frontier = [root];
  while (frontier.length > 0) {
    frontier = [...parents].filter(([, ppid]) => frontier.includes(ppid)).map(([pid]) => pid);
    found.push(...frontier);
  }
  return found;
}

/** `npm <args>` in the project with a clean environment; resolves with the URL its banner names. */
function spawnNpm(args: string[], env: Record<string, string>, banner: RegExp) {
  const child = spawn("npm", args, { cwd: ROOT, env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  if (child.pid !== undefined) started.push(child.pid);
  let out = "";
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const url = waitFor(
    `the banner of npm ${args.join(" ")}`,
    async () => {
      if (child.exitCode !== null) throw new Error(`npm exited early:\n${out}`);
      return banner.exec(out)?.[1];
    },
    { timeoutMs: 60000, everyMs: 50 },
  );
  return { child, exited, url, output: () => out };
}

/** true once nothing listens there (a reset while the server closes is not yet that) */
async function refused(url: string): Promise<true | undefined> {
  try {
    await httpCall(url);
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ECONNREFUSED" ? true : undefined;
  }
}

const cases = [
  {
    name: "npm start",
    script: ["start"],
    banner: /legacy endpoint: (http:\/\/\S+?)\/stubs\/handler_api\.php/,
    path: "/healthz",
  },
  {
    name: "npm run sandbox",
    script: ["run", "sandbox"],
    banner: /SMSBulk sandbox listening: (http:\/\/\S+?)\/api\/v1/,
    path: "/sandbox",
  },
];

describe("SIGTERM to the npm process reaches node", () => {
  it.each(cases)("$name: the port closes and every process exits", async (c) => {
    requireBuild();
    // npm's pre-script would rebuild a stale dist/ under the other tests' feet: refuse instead.
    const check = spawnSync(process.execPath, [join(ROOT, "scripts/ensure-build.mjs"), "--check"]);
    expect(check.status, "dist/ is not current: run npm run build first").toBe(0);
    const npm = spawnNpm(
      c.script,
      {
        PORT: "0",
        HOST: "127.0.0.1",
        SANDBOX_PORT: "0",
        SANDBOX_HOST: "127.0.0.1",
        DATA_DIR: mkdtempSync(join(tmpdir(), "gw-npm-signals-")),
        LOG_LEVEL: "info",
      },
      c.banner,
    );
    const url = await npm.url;
    expect((await httpCall(`${url}${c.path}`)).status).toBe(200);
    const tree = descendants(npm.child.pid!);
    started.push(...tree);
    expect(tree.length).toBeGreaterThan(0); // node itself (sh replaced by it, or sh and node)

    npm.child.kill("SIGTERM"); // the npm PID only, as such a process manager does
    await waitFor("the port to close", () => refused(`${url}${c.path}`), { timeoutMs: 20_000 });
    await waitFor("every process of the tree to exit", async () =>
      tree.every((pid) => procStat(pid) === undefined) ? true : undefined,
    );
    expect((await npm.exited).code, npm.output()).toBe(0); // node shut down gracefully and npm says so
  });
});
