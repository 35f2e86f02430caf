import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHECKS } from "../../src/conformance/checks.js";
import { runCli, type Stack, startStack } from "./stack.js";

/** The compiled CLI (dist/conformance/cli.js, after `npm run build`), run with a clean environment. */

const KEY = "Zq7xSecretCliKey_only4this_test";
const readOnlyNames = CHECKS.filter((c) => c.phase === "read" || c.phase === "answers").map((c) => c.name);

function noKey(out: { stdout: string; stderr: string }) {
  expect(out.stdout).not.toContain(KEY);
  expect(out.stderr).not.toContain(KEY);
}

describe("usage", () => {
  it("--help prints the usage on stdout and exits 0", async () => {
    const out = await runCli(["--help"]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^usage: npm run -s conformance -- --endpoint URL --key KEY/);
    expect(out.stdout).toContain("--max-spend");
    expect(out.stdout).toContain("--buy-email SITE:DOMAIN");
  });

  it.each([
    [[], "--endpoint is missing"],
    [["--key", "abc"], "--endpoint is missing"],
    [["--endpoint", "http://127.0.0.1:1/stubs/handler_api.php"], "--key is missing"],
    [["--endpoint", "ftp://x", "--key", "k"], "--endpoint must be an http:// or https:// URL"],
    [["--endpoint", "http://127.0.0.1:1", "--key", "k", "--buy", "tg:62"], "--buy needs --max-spend USD"],
    [["--endpoint", "http://127.0.0.1:1", "--key", "k", "--buy", "tg"], "--buy must be SERVICE:COUNTRY"],
    [
      ["--endpoint", "http://127.0.0.1:1", "--key", "k", "--buy-email", "telegram.com:gmx.com"],
      "--buy-email needs --max-spend USD",
    ],
    [
      ["--endpoint", "http://127.0.0.1:1", "--key", "k", "--buy-email", "gmx.com", "--max-spend", "1"],
      "--buy-email must be SITE:DOMAIN",
    ],
    [
      ["--endpoint", "http://127.0.0.1:1", "--key", "k", "--buy", "tg:62", "--max-spend", "lots"],
      "--max-spend must be a positive amount",
    ],
    [["--endpoint", "http://127.0.0.1:1", "--key", "k", "--wait", "0"], "--wait must be whole seconds"],
    [["--endpoint", "http://127.0.0.1:1", "--key", "k", "--ca", "/nonexistent/ca.pem"], "cannot read --ca"],
    [["--endpoint", "http://127.0.0.1:1", "--key", "k", "--frobnicate"], "Unknown option '--frobnicate'"],
  ])("%j → exit 2: %s", async (args, message) => {
    const out = await runCli(args);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(`conformance: ${message}`);
    expect(out.stderr).toContain("usage:");
    expect(out.stdout).toBe("");
  });

  it("--key - with nothing on stdin is a usage error", async () => {
    const out = await runCli(["--endpoint", "http://127.0.0.1:1", "--key", "-"], "");
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("--key -: nothing came on stdin");
  });
});

describe("an endpoint that does not answer", () => {
  it("one clear line, exit 1", async () => {
    const server = createServer();
    const port = await new Promise<number>((resolve) =>
      server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
    );
    await new Promise((r) => server.close(r));
    const out = await runCli(["--endpoint", `http://127.0.0.1:${port}/stubs/handler_api.php`, "--key", KEY]);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe(
      `FAIL  cannot reach http://127.0.0.1:${port}/stubs/handler_api.php: connection refused (ECONNREFUSED)\n`,
    );
    noKey(out);
    const json = await runCli(["--endpoint", `http://127.0.0.1:${port}`, "--key", KEY, "--json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      endpoint: `http://127.0.0.1:${port}/stubs/handler_api.php`,
      error: expect.stringMatching(/connection refused/),
      checks: [],
      spent: "0.00",
    });
  });
});

describe("against the gateway", () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ accounts: [{ apiKey: KEY, balance: "100.00" }] });
  });
  afterAll(() => stack.close());

  it("--json: parses, stable names, all PASS, exit 0; progress on stderr only; the key nowhere", async () => {
    const out = await runCli(["--endpoint", stack.gw.legacyUrl, "--key", KEY, "--json"]);
    expect(out.code, out.stdout).toBe(0);
    const doc = JSON.parse(out.stdout);
    expect(Object.keys(doc)).toEqual(
      expect.arrayContaining(["endpoint", "checks", "spent", "summary", "numbers"]),
    );
    expect(doc.endpoint).toBe(stack.gw.legacyUrl);
    expect(doc.checks.map((c: { name: string }) => c.name)).toEqual(readOnlyNames);
    for (const c of doc.checks) {
      expect(Object.keys(c)).toEqual(["name", "result", "detail", "breaks"]);
      expect(c.result).toBe("PASS");
    }
    expect(doc.spent).toBe("0.00");
    expect(doc.summary).toEqual({ passed: readOnlyNames.length, failed: 0, skipped: 0 });
    expect(out.stderr).toContain(`[1/${readOnlyNames.length}] transport.get-query…`);
    expect(out.stderr).toContain(
      `[${readOnlyNames.length}/${readOnlyNames.length}] ${readOnlyNames.at(-1)}…`,
    );
    expect(out.stdout).not.toContain("[1/");
    expect(out.stdout).toContain("api_key=[key]");
    noKey(out);
  });

  it("--key - reads the key from stdin; the text report ends with the totals", async () => {
    const out = await runCli(["--endpoint", stack.gw.legacyUrl, "--key", "-"], `${KEY}\n`);
    expect(out.code, out.stdout).toBe(0);
    expect(out.stdout).toMatch(
      /^Conformance of http:\/\/127\.0\.0\.1:\d+\/stubs\/handler_api\.php \(read-only/,
    );
    expect(out.stdout).toMatch(
      /^PASS {2}transport\.get-query +GET \/stubs\/handler_api\.php\?api_key=\[key\]&action=getBalance → 200 "ACCESS_BALANCE:100\.00"$/m,
    );
    expect(out.stdout).toContain(
      `\n${readOnlyNames.length} checks: ${readOnlyNames.length} passed, 0 failed, 0 skipped\n`,
    );
    expect(out.stdout).toContain("Spent: 0.00 (balance 100.00 → 100.00; nothing bought)");
    noKey(out);
  });

  it("--buy with --json: numbers listed and settled, spending reported, the key nowhere", async () => {
    const out = await runCli([
      "--endpoint",
      stack.gw.legacyUrl,
      "--key",
      KEY,
      "--buy",
      "tg:62",
      "--max-spend",
      "2",
      "--json",
    ]);
    expect(out.code, out.stdout).toBe(0);
    const doc = JSON.parse(out.stdout);
    expect(doc.checks.map((c: { name: string }) => c.name)).toEqual(
      CHECKS.filter((c) => c.phase !== "buy-email").map((c) => c.name),
    );
    expect(doc.summary.failed).toBe(0);
    expect(doc.numbers.map((n: { via: string; settled: string }) => [n.via, n.settled])).toEqual([
      ["getNumber", "completed"],
      ["getNumberV2", "completed"],
    ]);
    expect(doc.spent).toBe("1.20");
    const statuses = (await stack.sb.control.activations(KEY)).map((a) => a.status);
    expect(statuses).toEqual(["COMPLETED", "COMPLETED"]);
    noKey(out);
  }, 90_000);

  it("--buy-email with --json: one mailbox bought, its message read, kept and counted", async () => {
    const out = await runCli([
      "--endpoint",
      stack.gw.legacyUrl,
      "--key",
      KEY,
      "--buy-email",
      "telegram.com:gmx.com",
      "--max-spend",
      "1",
      "--json",
    ]);
    expect(out.code, out.stdout).toBe(0);
    const doc = JSON.parse(out.stdout);
    const email = doc.checks.filter((c: { name: string }) => c.name.startsWith("email."));
    expect(email.map((c: { name: string; result: string }) => [c.name, c.result])).toEqual(
      CHECKS.filter((c) => c.name.startsWith("email.")).map((c) => [
        c.name,
        c.name === "email.cancelMailActivation" ? "SKIP" : "PASS",
      ]),
    );
    expect(doc.numbers.map((n: { via: string; settled: string }) => [n.via, n.settled])).toEqual([
      ["buyMailActivation", "completed"],
    ]);
    expect(Number(doc.spent)).toBeGreaterThan(0);
    noKey(out);
  }, 90_000);

  it("a key in the endpoint URL itself is redacted too", async () => {
    const out = await runCli(["--endpoint", `${stack.gw.legacyUrl}?api_key=${KEY}`, "--key", KEY]);
    expect(out.stdout).toContain("Conformance of");
    noKey(out);
  });

  it("a wrong key: the report says so, exit 1", async () => {
    const wrong = "Wrong7KeyForThisCliTest_xyz";
    const out = await runCli(["--endpoint", stack.gw.legacyUrl, "--key", wrong]);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain("The endpoint refused the key (BAD_KEY) on getBalance: check --key.");
    expect(out.stdout).not.toContain(wrong);
  });
});
