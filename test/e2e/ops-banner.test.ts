import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { legacy } from "../helpers/ops.js";
import { keysCli, type SpawnedGateway, spawnGateway } from "../helpers/process.js";
import { DEMO_API_KEY } from "../helpers/sandbox.js";

/**
 * The banner says which keys work: the sandbox's demo key without KEYS_FILE; with KEYS_FILE only
 * gateway keys do (the demo key is refused with BAD_KEY), so it shows how many, not the demo key.
 */
let gw: SpawnedGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

const env = (extra: Record<string, string> = {}) => ({
  PORT: "0",
  HOST: "127.0.0.1",
  SANDBOX_PORT: "0",
  SANDBOX_AUTO_SMS: "false",
  DATA_DIR: mkdtempSync(join(tmpdir(), "gw-ops-banner-")),
  LOG_LEVEL: "silent",
  ...extra,
});
const balance = (key: string) => legacy(gw!.legacyUrl, { api_key: key, action: "getBalance" });

describe("start-up banner (compiled process, embedded sandbox)", () => {
  it("without KEYS_FILE: shows the demo key, and that key works", async () => {
    gw = await spawnGateway(env());
    expect(gw.stdout()).toContain(`  sandbox api key: ${DEMO_API_KEY}\n`);
    expect(gw.stdout()).not.toMatch(/gateway keys/);
    expect(gw.stdout()).toMatch(
      /\n {2}console: +http:\/\/127\.0\.0\.1:\d+\/console \(from this machine only\)\n/,
    );
    expect((await balance(DEMO_API_KEY)).body).toBe("ACCESS_BALANCE:100.00");
  });

  it("with KEYS_FILE: says how many gateway keys are in force, shows no demo key; the banner is right", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "gw-ops-banner-keys-")), "keys.json");
    const first = keysCli(["add", "--upstream-key", DEMO_API_KEY, "--label", "a", "--file", file]);
    const second = keysCli(["add", "--upstream-key", DEMO_API_KEY, "--label", "b", "--file", file]);
    expect([first.status, second.status]).toEqual([0, 0]);
    const id = /added (gk_[0-9a-f]+)/.exec(second.stderr)?.[1];
    expect(keysCli(["revoke", id!, "--file", file]).status).toBe(0);

    gw = await spawnGateway(env({ KEYS_FILE: file }));
    const out = gw.stdout();
    expect(out).toContain("  gateway keys in force: 1 active (npm run -s keys -- list)\n");
    expect(out).not.toContain("sandbox api key");
    expect(out).not.toContain(DEMO_API_KEY);
    expect(out).toContain("sandbox control:"); // the sandbox's control routes are still there
    // what the banner says is what the gateway does
    expect((await balance(DEMO_API_KEY)).body).toBe("BAD_KEY");
    expect((await balance(first.stdout.trim())).body).toBe("ACCESS_BALANCE:100.00");
    expect((await balance(second.stdout.trim())).body).toBe("BAD_KEY");
  });

  it("with an empty KEYS_FILE: 0 active, and says every key is refused until one is added", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "gw-ops-banner-keys-")), "keys.json");
    const added = keysCli(["add", "--upstream-key", DEMO_API_KEY, "--file", file]);
    const id = /added (gk_[0-9a-f]+)/.exec(added.stderr)?.[1];
    expect(keysCli(["revoke", id!, "--file", file]).status).toBe(0);
    gw = await spawnGateway(env({ KEYS_FILE: file }));
    expect(gw.stdout()).toContain("  gateway keys in force: 0 active (npm run -s keys -- list)\n");
    expect(gw.stdout()).toMatch(/every api_key is refused until one is added/);
    expect((await balance(added.stdout.trim())).body).toBe("BAD_KEY");
  });
});
