import { describe, expect, it } from "vitest";
import { DEMO_API_KEY, loadSandboxSettings } from "../../src/sandbox/config.js";
import { ConfigError } from "../../src/settings.js";

const loadSandboxConfig = (env: Record<string, string>) => loadSandboxSettings(env).config;
const loadSandboxPort = (env: Record<string, string>) => loadSandboxSettings(env).port;

describe("loadSandboxSettings", () => {
  it("has the documented defaults", () => {
    expect(loadSandboxConfig({})).toEqual({
      accounts: [{ apiKey: DEMO_API_KEY, balance: "100.00" }],
      autoSms: true,
      smsDelayMs: 3000,
      emailAddressDelayMs: 300,
      activationTtlS: 1200,
      cancelCooldownS: 120,
      emailCancelCooldownS: 0,
      rateLimitPerS: 1000,
      resendLimit: 3,
      faults: [],
    });
    expect(DEMO_API_KEY).toBe("0123456789abcdef0123456789abcdef");
    expect(loadSandboxPort({})).toBe(8081);
  });

  it("reads every variable", () => {
    const config = loadSandboxConfig({
      SANDBOX_ACCOUNTS: "smsbulk_alpha123:12.5, smsbulk_beta4567:0",
      SANDBOX_AUTO_SMS: "false",
      SANDBOX_SMS_DELAY_MS: "50",
      SANDBOX_ACTIVATION_TTL_S: "60",
      SANDBOX_CANCEL_COOLDOWN_S: "0",
      SANDBOX_RATE_LIMIT: "5",
      SANDBOX_RESEND_LIMIT: "1",
      SANDBOX_FAULTS: '{"rules":[{"route":"POST /api/v1/activations","phase":"after","error500":0.5}]}',
    });
    expect(config.accounts).toEqual([
      { apiKey: "smsbulk_alpha123", balance: "12.50" },
      { apiKey: "smsbulk_beta4567", balance: "0.00" },
    ]);
    expect(config).toMatchObject({
      autoSms: false,
      smsDelayMs: 50,
      activationTtlS: 60,
      cancelCooldownS: 0,
      rateLimitPerS: 5,
      resendLimit: 1,
    });
    expect(config.faults).toEqual([
      {
        route: "POST /api/v1/activations",
        phase: "after",
        latencyMs: 0,
        latencyChance: 1,
        error500: 0.5,
        bare503: 0,
        error429: 0,
        drop: 0,
      },
    ]);
    expect(loadSandboxPort({ SANDBOX_PORT: "18081" })).toBe(18081);
  });

  it("treats empty values as unset", () => {
    expect(loadSandboxConfig({ SANDBOX_AUTO_SMS: "", SANDBOX_ACCOUNTS: "" }).autoSms).toBe(true);
  });

  it("takes the same boolean spellings as the gateway's settings", () => {
    for (const off of ["0", "false", "no", "FALSE"])
      expect(loadSandboxConfig({ SANDBOX_AUTO_SMS: off }).autoSms).toBe(false);
    for (const on of ["1", "true", "yes", "True"])
      expect(loadSandboxConfig({ SANDBOX_AUTO_SMS: on }).autoSms).toBe(true);
  });

  it.each([
    ["SANDBOX_ACCOUNTS", "nokey"],
    ["SANDBOX_ACCOUNTS", "short:1.00"],
    ["SANDBOX_ACCOUNTS", "abcdefgh12:1.234"],
    ["SANDBOX_ACCOUNTS", "abcdefgh12:-1"],
    ["SANDBOX_ACCOUNTS", "abcdefgh12:1,,abcdefgh34:2"],
    ["SANDBOX_ACCOUNTS", "abcdefgh12:1,abcdefgh12:2"],
    ["SANDBOX_AUTO_SMS", "maybe"],
    ["SANDBOX_ACCOUNTS", " "],
    ["SANDBOX_SMS_DELAY_MS", "-5"],
    ["SANDBOX_SMS_DELAY_MS", "1.5"],
    ["SANDBOX_ACTIVATION_TTL_S", "0"],
    ["SANDBOX_CANCEL_COOLDOWN_S", "two"],
    ["SANDBOX_RATE_LIMIT", "0"],
    ["SANDBOX_FAULTS", "{not json"],
    ["SANDBOX_FAULTS", '{"rules":[{"route":"POST /api/v1/activations","error500":2}]}'],
  ])("rejects %s=%j with a one-line message naming it", (name, value) => {
    const attempt = () => loadSandboxConfig({ [name]: value });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toContain(name);
      expect(message).not.toContain("\n");
    }
  });

  it.each(["http", "70000", "-1", "80.5"])("rejects SANDBOX_PORT=%j", (value) => {
    expect(() => loadSandboxPort({ SANDBOX_PORT: value })).toThrow(/SANDBOX_PORT/);
  });
});
