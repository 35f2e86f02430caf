import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AssembledGateway } from "../../src/gateway/start.js";
import { assembleConsoleGateway, fromAddress } from "../helpers/console.js";
import { capturedLog } from "../helpers/log-lines.js";

/**
 * A key sent under a parameter name nobody expects (`token=`, `secret=`) is never shown by the
 * console nor logged: masked when it is shaped like a key, or when it is a key the gateway knows
 * (here a sandbox account's key too short and too plain to look like one).
 */
const SHAPED = "0123456789abcdef0123456789abcdef";
const PLAIN = "plainaccountkey";
const LOOPBACK = "http://127.0.0.1:8080";

describe("keys under any parameter name", () => {
  const captured = capturedLog("debug");
  let gw: AssembledGateway;
  beforeAll(async () => {
    gw = await assembleConsoleGateway({
      sandboxEnv: { SANDBOX_ACCOUNTS: `${SHAPED}:100.00,${PLAIN}:10.00` },
      log: captured.log,
    });
  });
  afterAll(() => gw.close());

  it("are masked in /console/api/requests and absent from every log line", async () => {
    for (const key of [SHAPED, PLAIN]) {
      const query = new URLSearchParams({ api_key: key, action: "getBalance", token: key, secret: key });
      const res = await gw.app.request(`${LOOPBACK}/stubs/handler_api.php?${query}`);
      expect(await res.text()).toMatch(/^ACCESS_BALANCE:/);
    }
    const unnamed = new URLSearchParams({ action: "getBalance", token: PLAIN, note: "tg" });
    await gw.app.request(`${LOOPBACK}/stubs/handler_api.php?${unnamed}`);

    const res = await gw.app.request(`${LOOPBACK}/console/api/requests`, {}, fromAddress("127.0.0.1"));
    const body = await res.text();
    expect(res.status).toBe(200);
    const rows = (JSON.parse(body) as { requests: { params: Record<string, string> }[] }).requests;
    expect(rows.map((r) => r.params)).toEqual([
      { action: "getBalance", token: "[redacted]", note: "tg" },
      { action: "getBalance", token: "[redacted]", secret: "[redacted]" },
      { action: "getBalance", token: "[redacted]", secret: "[redacted]" },
    ]);
    expect(body).not.toContain(SHAPED);
    expect(body).not.toContain(PLAIN);
    expect(captured.lines.some((l) => l.msg === "legacy request")).toBe(true);
    expect(captured.text()).not.toContain(SHAPED);
    expect(captured.text()).not.toContain(PLAIN);
  });
});
