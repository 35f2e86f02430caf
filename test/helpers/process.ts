import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";

const MAIN = new URL("../../dist/main.js", import.meta.url).pathname;

export interface GatewayProcess {
  child: ChildProcess;
  legacyUrl: string;
  /** everything the process printed so far */
  output: () => string;
}

/** Starts the compiled gateway (`dist/main.js`) as its own process; resolves once it listens. */
export function startGatewayProcess(env: Record<string, string>): Promise<GatewayProcess> {
  if (!existsSync(MAIN)) throw new Error("dist/main.js is missing: run `npm run build` (npm test does it)");
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /legacy endpoint: (\S+)/.exec(out);
      if (m) resolve({ child, legacyUrl: m[1]!, output: () => out });
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on("exit", (code) => reject(new Error(`gateway exited with ${code}: ${out}`)));
  });
}

export async function killHard(p: GatewayProcess): Promise<void> {
  if (p.child.exitCode !== null) return;
  const exited = new Promise((r) => p.child.once("exit", r));
  p.child.kill("SIGKILL");
  await exited;
}
