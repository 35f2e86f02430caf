import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";

/** A free loopback port (listen on 0, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const exitOf = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });

async function until(what: string, ok: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`soak: ${what} did not come up in ${ms} ms`);
}

/** A private redis-server with AOF (every write on disk), restartable with or without its data. */
export class SoakRedis {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), "soak-redis-"));
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ["--port", String(this.port), "--bind", "127.0.0.1", "--dir", this.dir, "--save", ""];
    this.child = spawn("redis-server", [...args, "--appendonly", "yes", "--appendfsync", "always"], {
      stdio: "ignore",
    });
    await until("redis-server", async () => {
      const redis = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
      redis.on("error", () => {});
      try {
        await redis.connect();
        return (await redis.ping()) === "PONG";
      } finally {
        redis.disconnect();
      }
    });
  }

  /** SIGKILL and start again; `empty`: its data deleted first (a container without its volume). */
  async restart(empty: boolean): Promise<void> {
    if (this.child) {
      this.child.kill("SIGKILL");
      await exitOf(this.child);
    }
    if (empty)
      for (const f of readdirSync(this.dir)) rmSync(join(this.dir, f), { recursive: true, force: true });
    await this.start();
  }

  async stop(): Promise<void> {
    if (this.child) {
      this.child.kill("SIGTERM");
      await exitOf(this.child);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One gateway replica (`dist/main.js`) on its own port and data directory, restartable. */
export class SoakGateway {
  child: ChildProcess | undefined;
  readonly dataDir = mkdtempSync(join(tmpdir(), "soak-gw-"));
  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.alive ? this.child?.pid : undefined;
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    const env = {
      ...process.env,
      ...this.env,
      PORT: String(this.port),
      HOST: "127.0.0.1",
      DATA_DIR: this.dataDir,
    };
    this.child = spawn(process.execPath, ["--expose-gc", "dist/main.js"], { env, stdio: "ignore" });
    await until(`gateway ${this.name}`, async () => (await fetch(`${this.url}/healthz`)).ok);
  }

  async kill(signal: "SIGKILL" | "SIGTERM"): Promise<void> {
    if (!this.child) return;
    this.child.kill(signal);
    await exitOf(this.child);
  }
}
