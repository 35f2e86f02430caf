import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAccessNumber, rawRequest } from "../helpers/gateway.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

/** The compiled gateway as its own process, killed with SIGKILL and started again on the same data. */
const MAIN = new URL("../../dist/main.js", import.meta.url).pathname;

function startProcess(env: Record<string, string>): Promise<{ child: ChildProcess; legacyUrl: string }> {
  if (!existsSync(MAIN)) throw new Error("dist/main.js is missing: run `npm run build` (npm test does it)");
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /legacy endpoint: (\S+)/.exec(out);
      if (m) resolve({ child, legacyUrl: m[1]! });
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on("exit", (code) => reject(new Error(`gateway exited with ${code}: ${out}`)));
  });
}

let sb: TestSandbox;
beforeAll(async () => {
  sb = await startTestSandbox({ clock: "real", config: { autoSms: false } });
});
afterAll(async () => {
  await sb.close();
});

describe("kill -9 and restart", () => {
  it("every id handed out before the crash still answers getStatus", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "gw-restart-"));
    const env = {
      UPSTREAM_URL: sb.baseUrl,
      DATA_DIR: dataDir,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "silent",
      STATUS_CACHE_MS: "0",
    };
    const get = async (url: string, params: Record<string, string>) =>
      (await rawRequest(`${url}?${new URLSearchParams({ api_key: sb.apiKey, ...params })}`)).body.toString();

    const first = await startProcess(env);
    const handedOut: { id: string; phone: string }[] = [];
    for (let i = 0; i < 10; i++) {
      handedOut.push(
        parseAccessNumber(await get(first.legacyUrl, { action: "getNumber", service: "tg", country: "62" })),
      );
    }
    await sb.control.deliverSms({ phoneNumber: handedOut[0]!.phone }, "Your Telegram code is 48213");
    first.child.kill("SIGKILL");
    await new Promise((r) => first.child.once("exit", r));

    const second = await startProcess(env);
    try {
      expect(await get(second.legacyUrl, { action: "getStatus", id: handedOut[0]!.id })).toBe(
        "STATUS_OK:48213",
      );
      for (const { id } of handedOut.slice(1)) {
        expect(await get(second.legacyUrl, { action: "getStatus", id })).toBe("STATUS_WAIT_CODE");
      }
      const next = parseAccessNumber(
        await get(second.legacyUrl, { action: "getNumber", service: "tg", country: "62" }),
      );
      expect(handedOut.map((h) => h.id)).not.toContain(next.id);
    } finally {
      second.child.kill("SIGTERM");
    }
  });
});
