import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.js";
import { ConfigError } from "../../../src/settings.js";

/** The webhook settings: validated at start-up, one line naming the setting, never its value. */
const SECRET = "whsec-test-0123456789";

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe("webhook settings", () => {
  it("defaults: no webhook, 5 s timeout, back-off 10 s, 1 min, 5 min, 30 min, 2 h, 4 per receiver", () => {
    const config = loadConfig({});
    expect(config.WEBHOOK_URL).toBeUndefined();
    expect(config.WEBHOOK_TIMEOUT_MS).toBe(5000);
    expect(config.WEBHOOK_RETRY_S).toEqual([10, 60, 300, 1800, 7200]);
    expect(config.WEBHOOK_CONCURRENCY).toBe(4);
  });

  it("takes a URL with its secret, and a schedule of its own", () => {
    const config = loadConfig({
      WEBHOOK_URL: "https://bot.example/sms?token=abc",
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_RETRY_S: "1,2,3",
    });
    expect(config.WEBHOOK_URL).toBe("https://bot.example/sms?token=abc");
    expect(config.WEBHOOK_RETRY_S).toEqual([1, 2, 3]);
  });

  it("refuses a bad value in one line that names the setting and not the value", () => {
    for (const [env, name] of [
      [{ WEBHOOK_URL: "ftp://bot.example/sms", WEBHOOK_SECRET: SECRET }, "WEBHOOK_URL"],
      [{ WEBHOOK_URL: "bot.example/sms", WEBHOOK_SECRET: SECRET }, "WEBHOOK_URL"],
      [{ WEBHOOK_URL: "https://bot.example/sms" }, "WEBHOOK_SECRET"],
      [{ WEBHOOK_URL: "https://bot.example/sms", WEBHOOK_SECRET: "short" }, "WEBHOOK_SECRET"],
      [{ WEBHOOK_SECRET: SECRET }, "WEBHOOK_SECRET"],
      [
        { WEBHOOK_URL: "https://bot.example/sms", WEBHOOK_SECRET: SECRET, KEYS_FILE: "/k.json" },
        "WEBHOOK_URL",
      ],
      [{ WEBHOOK_RETRY_S: "10,,60" }, "WEBHOOK_RETRY_S"],
      [{ WEBHOOK_RETRY_S: "0" }, "WEBHOOK_RETRY_S"],
      [{ WEBHOOK_RETRY_S: "10s" }, "WEBHOOK_RETRY_S"],
      [{ WEBHOOK_TIMEOUT_MS: "5" }, "WEBHOOK_TIMEOUT_MS"],
      [{ WEBHOOK_CONCURRENCY: "0" }, "WEBHOOK_CONCURRENCY"],
    ] as const) {
      const message = refusal(env);
      expect(message).toMatch(new RegExp(`^Invalid ${name}: `));
      expect(message).not.toContain("\n");
      expect(message).not.toContain("bot.example");
      expect(message).not.toContain(SECRET);
    }
  });

  it("refuses a link-local receiver (cloud metadata) in one line, and keeps loopback and private ones", () => {
    for (const url of ["http://169.254.169.254/", "http://[fe80::1]/hook", "http://[::ffff:169.254.1.1]/"])
      expect(refusal({ WEBHOOK_URL: url, WEBHOOK_SECRET: SECRET })).toBe(
        "Invalid WEBHOOK_URL: link-local addresses (169.254.0.0/16, fe80::/10) are refused",
      );
    for (const url of ["http://127.0.0.1:9000/hook", "http://10.1.2.3/hook", "http://[::1]/hook"])
      expect(loadConfig({ WEBHOOK_URL: url, WEBHOOK_SECRET: SECRET }).WEBHOOK_URL).toBe(url);
  });
});
