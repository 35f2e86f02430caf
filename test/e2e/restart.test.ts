import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buy } from "../helpers/gateway.js";
import { spawnGateway } from "../helpers/process.js";
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
    const env = {
      UPSTREAM_URL: sb.baseUrl,
      DATA_DIR: mkdtempSync(join(tmpdir(), "gw-restart-")),
      STATUS_CACHE_MS: "0",
    };
    const key = sb.apiKey;

    const first = await spawnGateway(env);
    const handedOut: { id: string; phone: string }[] = [];
    for (let i = 0; i < 10; i++) handedOut.push(await buy(first, key));
    await sb.control.deliverSms({ phoneNumber: handedOut[0]!.phone }, "Your Telegram code is 48213");
    await first.kill();

    const second = await spawnGateway(env);
    try {
      const status = (id: string) => second.call({ api_key: key, action: "getStatus", id });
      expect(await status(handedOut[0]!.id)).toBe("STATUS_OK:48213");
      for (const { id } of handedOut.slice(1)) expect(await status(id)).toBe("STATUS_WAIT_CODE");
      const next = await buy(second, key);
      expect(handedOut.map((h) => h.id)).not.toContain(next.id);
    } finally {
      await second.stop();
    }
  });
});
