import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { linesOf } from "../helpers/ops.js";
import { runGatewaySync, spawnGateway } from "../helpers/process.js";

/**
 * Start-up configuration: a bad setting stops start-up of the real process (`node dist/main.js`) with
 * a non-zero exit and exactly one line on stderr naming the variable and the expected form.
 */
const base = () => ({
  PORT: "0",
  HOST: "127.0.0.1",
  SANDBOX_PORT: "0",
  DATA_DIR: mkdtempSync(join(tmpdir(), "gw-ops-config-")),
  LOG_LEVEL: "info",
});

const cases: { env: Record<string, string>; variable: string; expected: RegExp; secret?: string }[] = [
  { env: { PORT: "abc" }, variable: "PORT", expected: /integer port 0–65535/ },
  { env: { PORT: "70000" }, variable: "PORT", expected: /integer port 0–65535/ },
  { env: { PORT: "-1" }, variable: "PORT", expected: /integer port 0–65535/ },
  { env: { REDIS_URL: "notaurl" }, variable: "REDIS_URL", expected: /redis:\/\/ or rediss:\/\/ URL/ },
  { env: { REDIS_URL: "http://127.0.0.1:6379" }, variable: "REDIS_URL", expected: /redis:\/\// },
  { env: { UPSTREAM_URL: "ftp://example.com" }, variable: "UPSTREAM_URL", expected: /http\(s\) URL/ },
  { env: { LOG_LEVEL: "loud" }, variable: "LOG_LEVEL", expected: /one of fatal, error, .*silent/ },
  { env: { SANDBOX_PORT: "abc" }, variable: "SANDBOX_PORT", expected: /integer port 0–65535/ },
  { env: { SANDBOX_AUTO_SMS: "maybe" }, variable: "SANDBOX_AUTO_SMS", expected: /true or false/ },
  {
    env: { SANDBOX_SMS_DELAY_MS: "-5" },
    variable: "SANDBOX_SMS_DELAY_MS",
    expected: /milliseconds, 0–86400000/,
  },
  {
    // the value holds a would-be key: the line names the form, never echoes the value
    env: { SANDBOX_ACCOUNTS: "secretkey0123456789:lots" },
    variable: "SANDBOX_ACCOUNTS",
    expected: /key:balance/,
    secret: "secretkey0123456789",
  },
  { env: { SANDBOX_FAULTS: "{not json" }, variable: "SANDBOX_FAULTS", expected: /JSON like/ },
];

describe("start-up configuration (node dist/main.js)", () => {
  const named = cases.map((c) => ({
    ...c,
    name: Object.entries(c.env)
      .map(([k, v]) => `${k}=${v}`)
      .join(" "),
  }));
  it.each(named)("$name stops start-up with one line", ({ env, variable, expected, secret }) => {
    const run = runGatewaySync({ ...base(), ...env });
    expect(run.signal).toBeNull(); // it exited by itself, it was not killed after the timeout
    expect(run.status).not.toBe(0);
    expect(run.status).not.toBeNull();
    expect(run.stdout).toBe(""); // no banner: it never started
    const lines = linesOf(run.stderr);
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toContain(variable);
    expect(lines[0]).toMatch(expected);
    expect(lines[0]).not.toMatch(/^\s+at /); // not a stack trace
    if (secret) expect(run.stderr).not.toContain(secret);
  });

  // Number(" ") is 0: a blank-looking PORT must stop start-up, not bind a random port.
  it("PORT=' ' (whitespace only) stops start-up too", async () => {
    let started: Awaited<ReturnType<typeof spawnGateway>>;
    try {
      started = await spawnGateway({ ...base(), PORT: " ", UPSTREAM_URL: "http://127.0.0.1:9/api/v1" });
    } catch (err) {
      // it exited before listening: the one line must name PORT
      expect(String(err)).toMatch(/Invalid PORT: expected an integer port/);
      return;
    }
    await started.stop();
    throw new Error(`PORT=" " was accepted: the gateway listened on ${started.url}`);
  });

  it("the same harness sees a good configuration start (so the failures above are real)", async () => {
    const gw = await spawnGateway({ ...base(), SANDBOX_AUTO_SMS: "false", REDIS_URL: "" });
    try {
      expect(gw.legacyUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/stubs\/handler_api\.php$/);
    } finally {
      expect((await gw.stop()).code).toBe(0);
    }
  });

  it("SANDBOX_* settings are not checked when UPSTREAM_URL is set (no sandbox is started)", async () => {
    const gw = await spawnGateway({
      ...base(),
      UPSTREAM_URL: "http://127.0.0.1:9/api/v1",
      SANDBOX_AUTO_SMS: "maybe",
    });
    expect((await gw.stop()).code).toBe(0);
    expect(gw.stdout()).not.toContain("sandbox api key");
  });
});
