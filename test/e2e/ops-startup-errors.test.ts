import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { linesOf } from "../helpers/ops.js";
import { runGatewaySync } from "../helpers/process.js";

/**
 * Start-up failures that used to surface as a bare `EADDRINUSE` or `EEXIST … mkdir`: each is one
 * line on stderr naming the setting, exit 1, no banner (the real process, `node dist/main.js`).
 */
const tempDir = () => mkdtempSync(join(tmpdir(), "gw-ops-startup-"));
const base = () => ({
  PORT: "0",
  HOST: "127.0.0.1",
  SANDBOX_PORT: "0",
  DATA_DIR: tempDir(),
  LOG_LEVEL: "info",
});

let held: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (held ? held.close(() => resolve()) : resolve()));
  held = undefined;
});

/** A port this test keeps bound on 127.0.0.1. */
async function occupiedPort(): Promise<number> {
  held = createServer();
  await new Promise<void>((resolve) => held!.listen(0, "127.0.0.1", resolve));
  return (held.address() as { port: number }).port;
}

function expectOneLine(env: Record<string, string>, line: string | RegExp) {
  const run = runGatewaySync({ ...base(), ...env });
  expect(run.signal).toBeNull(); // it stopped by itself
  expect(run.status, run.stderr).toBe(1);
  expect(run.stdout).toBe(""); // no banner: it never served
  const lines = linesOf(run.stderr);
  expect(lines, run.stderr).toHaveLength(1);
  if (typeof line === "string") expect(lines[0]).toBe(line);
  else expect(lines[0]).toMatch(line);
}

describe("start-up errors name the setting (node dist/main.js)", () => {
  it("PORT equal to SANDBOX_PORT", async () => {
    const port = String(await occupiedPort());
    await new Promise<void>((resolve) => held!.close(() => resolve())); // free, but the same for both
    held = undefined;
    expectOneLine(
      { PORT: port, SANDBOX_PORT: port },
      `Invalid SANDBOX_PORT: ${port} is also PORT; the embedded sandbox needs a port of its own`,
    );
  });

  it("PORT already in use (UPSTREAM_URL set, no sandbox)", async () => {
    const port = await occupiedPort();
    expectOneLine(
      { PORT: String(port), UPSTREAM_URL: "http://127.0.0.1:9/api/v1" },
      `PORT ${port} is already in use`,
    );
  });

  it("SANDBOX_PORT already in use", async () => {
    const port = await occupiedPort();
    expectOneLine({ SANDBOX_PORT: String(port) }, `SANDBOX_PORT ${port} is already in use`);
  });

  it("DATA_DIR is a regular file", () => {
    const file = join(tempDir(), "data");
    writeFileSync(file, "");
    expectOneLine({ DATA_DIR: file }, `Invalid DATA_DIR: ${file} is not a directory`);
  });

  it("DATA_DIR under a regular file", () => {
    const file = join(tempDir(), "data");
    writeFileSync(file, "");
    const dir = join(file, "gateway");
    expectOneLine({ DATA_DIR: dir }, `Invalid DATA_DIR: ${dir} is not a directory`);
  });

  // Permissions do not stop root (these tests run as root in CI), so this runs for other users only.
  it.skipIf(process.getuid?.() === 0)("DATA_DIR not writable (skipped as root)", () => {
    const dir = join(tempDir(), "read-only");
    mkdirSync(dir);
    chmodSync(dir, 0o500);
    expectOneLine({ DATA_DIR: dir }, `Invalid DATA_DIR: ${dir} is not writable`);
  });
});
