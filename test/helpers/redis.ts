import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./net.js";
import { waitFor } from "./wait.js";

export interface RedisServer {
  url: string;
  /** of the current redis-server process, for SIGSTOP/SIGCONT: a server that hangs rather than dies */
  readonly pid: number;
  /** Graceful shutdown, then removes its data directory. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would. */
  kill(): void;
  /**
   * Starts redis-server again on the same port and data directory (after kill or a crash); `empty`
   * first deletes its data, as a container recreated without its volume would.
   */
  restart(opts?: { empty?: boolean }): Promise<void>;
}

/** Spawns a private `redis-server` (append-only, no RDB) on a free loopback port. */
export async function startRedis(): Promise<RedisServer> {
  if (spawnSync("redis-server", ["--version"]).error) {
    throw new Error(
      "redis-server is not on PATH: the Redis store tests need it (.ci/run installs it: apt-get install redis-server)",
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "smsgw-redis-"));
  const port = await freePort();
  let proc: Launched;
  try {
    proc = await launch(dir, port);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return proc.child.pid!;
    },
    async stop() {
      const { child, exited } = proc;
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
    kill() {
      proc.child.kill("SIGKILL");
    },
    async restart(opts = {}) {
      await proc.exited;
      if (opts.empty)
        for (const file of readdirSync(dir)) rmSync(join(dir, file), { recursive: true, force: true });
      proc = await launch(dir, port);
    },
  };
}

interface Launched {
  child: ChildProcess;
  exited: Promise<void>;
}

async function launch(dir: string, port: number): Promise<Launched> {
  const child = spawn(
    "redis-server",
    ["--save", "", "--appendonly", "yes", "--dir", dir, "--port", String(port), "--bind", "127.0.0.1"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await waitForPong(port, child, () => output);
  } catch (err) {
    child.kill("SIGKILL");
    await exited;
    throw err;
  }
  return { child, exited };
}

async function waitForPong(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const outcome = await waitFor(`redis-server to answer PING on port ${port}`, async () =>
    child.exitCode !== null ? "exited" : (await pongs(port)) && "ready",
  ).catch((err: Error) => {
    throw new Error(`${err.message}:\n${output()}`);
  });
  if (outcome === "exited") throw new Error(`redis-server exited early:\n${output()}`);
}

function pongs(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let reply = "";
    socket.setTimeout(500, () => socket.destroy());
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString();
      if (reply.includes("\r\n")) socket.end();
    });
    socket.once("error", () => resolve(false));
    socket.once("close", () => resolve(reply.startsWith("+PONG")));
  });
}
