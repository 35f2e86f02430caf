import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHECKS } from "../../src/conformance/checks.js";
import { type RunningProxy, runCli, type Stack, startProxy, startStack } from "./stack.js";

/** The gateway behind TLS with a self-signed certificate (made here with the openssl CLI). */

let dir: string;
let stack: Stack;
let proxy: RunningProxy;
let caFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "conformance-tls-"));
  caFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=conformance-test",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-keyout",
      keyFile,
      "-out",
      caFile,
    ],
    { stdio: "ignore" },
  );
  stack = await startStack();
  proxy = await startProxy(stack.gw.url, {}, { key: readFileSync(keyFile), cert: readFileSync(caFile) });
});
afterAll(async () => {
  await proxy?.close();
  await stack?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("an https endpoint", () => {
  it("with --ca FILE: every check passes", async () => {
    expect(proxy.legacyUrl).toMatch(/^https:/);
    const out = await runCli([
      "--endpoint",
      proxy.legacyUrl,
      "--key",
      stack.sb.apiKey,
      "--ca",
      caFile,
      "--json",
    ]);
    expect(out.code, out.stdout).toBe(0);
    const doc = JSON.parse(out.stdout);
    expect(doc.checks.map((c: { name: string; result: string }) => [c.name, c.result])).toEqual(
      CHECKS.filter((c) => c.phase === "read" || c.phase === "answers").map((c) => [c.name, "PASS"]),
    );
  });

  it("without --ca: one clear certificate error, exit 1", async () => {
    const out = await runCli(["--endpoint", proxy.legacyUrl, "--key", stack.sb.apiKey]);
    expect(out.code).toBe(1);
    expect(out.stdout.trimEnd().split("\n")).toHaveLength(1);
    expect(out.stdout).toMatch(
      /^FAIL {2}cannot reach https:\/\/127\.0\.0\.1:\d+\/stubs\/handler_api\.php: certificate error: .*self-signed.* \(DEPTH_ZERO_SELF_SIGNED_CERT\); .*pass it with --ca FILE\n$/,
    );
  });
});
