import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAccessNumber, rawRequest } from "../helpers/gateway.js";
import { killHard, startGatewayProcess } from "../helpers/process.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

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

    const first = await startGatewayProcess(env);
    const handedOut: { id: string; phone: string }[] = [];
    for (let i = 0; i < 10; i++) {
      handedOut.push(
        parseAccessNumber(await get(first.legacyUrl, { action: "getNumber", service: "tg", country: "62" })),
      );
    }
    await sb.control.deliverSms({ phoneNumber: handedOut[0]!.phone }, "Your Telegram code is 48213");
    await killHard(first);

    const second = await startGatewayProcess(env);
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
