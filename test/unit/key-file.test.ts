import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  addKey,
  emptyKeyFile,
  generateGatewayKey,
  hashKey,
  KeyFileError,
  loadKeyResolver,
  parseKeyFile,
  readKeyFile,
  readKeyFileOrEmpty,
  revokeKey,
  writeKeyFile,
} from "../../src/keys/key-file.js";

const UPSTREAM = "upstream-secret-key-0001";

function tempPath(): string {
  return join(mkdtempSync(join(tmpdir(), "keys-test-")), "keys.json");
}

describe("key file format", () => {
  it("stores the gateway key only as its SHA-256 hash, the upstream key as it is", () => {
    const { file, entry, gatewayKey } = addKey(emptyKeyFile(), {
      upstreamKey: UPSTREAM,
      label: "bot A",
      now: new Date("2026-01-02T03:04:05Z"),
    });
    expect(gatewayKey).toMatch(/^[0-9a-f]{32}$/);
    expect(entry).toEqual({
      id: expect.stringMatching(/^gk_[0-9a-f]{8}$/),
      hash: hashKey(gatewayKey),
      upstreamKey: UPSTREAM,
      label: "bot A",
      createdAt: "2026-01-02T03:04:05.000Z",
      revokedAt: null,
    });
    const text = JSON.stringify(file);
    expect(text).not.toContain(gatewayKey);
    expect(parseKeyFile(text)).toEqual(file);
  });

  it("generates distinct keys", () => {
    const keys = new Set(Array.from({ length: 1000 }, generateGatewayKey));
    expect(keys.size).toBe(1000);
  });

  it("rejects bad files with the path of the problem and no values", () => {
    expect(() => parseKeyFile("{")).toThrow(KeyFileError);
    expect(() => parseKeyFile('{"version":2,"keys":[]}')).toThrow(/version/);
    const bad = {
      version: 1,
      keys: [{ id: "a", hash: "nothex", upstreamKey: UPSTREAM, createdAt: "x", revokedAt: null }],
    };
    expect(() => parseKeyFile(JSON.stringify(bad))).toThrow(/keys\.0\.hash/);
    try {
      parseKeyFile(JSON.stringify({ ...bad, keys: [{ ...bad.keys[0], upstreamKey: 5 }] }));
    } catch (err) {
      expect(String(err)).not.toContain(UPSTREAM);
    }
    const one = addKey(emptyKeyFile(), { upstreamKey: UPSTREAM }).entry;
    const dup = { version: 1, keys: [one, { ...one, hash: hashKey("other") }] };
    expect(() => parseKeyFile(JSON.stringify(dup))).toThrow(/duplicate id/);
  });

  it("revoke marks the entry once and keeps it listed", () => {
    const { file, entry } = addKey(emptyKeyFile(), { upstreamKey: UPSTREAM });
    const first = revokeKey(file, entry.id, new Date("2026-02-01T00:00:00Z"));
    expect(first.entry.revokedAt).toBe("2026-02-01T00:00:00.000Z");
    const again = revokeKey(first.file, entry.id, new Date("2026-03-01T00:00:00Z"));
    expect(again.entry.revokedAt).toBe("2026-02-01T00:00:00.000Z");
    expect(again.file.keys).toHaveLength(1);
    expect(() => revokeKey(file, "gk_nope")).toThrow(/no key with id/);
  });

  it("writes atomically with mode 0600; a missing file reads as empty only where asked", () => {
    const path = tempPath();
    expect(readKeyFileOrEmpty(path)).toEqual(emptyKeyFile());
    expect(() => readKeyFile(path)).toThrow(/cannot read keys file/);
    const { file } = addKey(emptyKeyFile(), { upstreamKey: UPSTREAM });
    writeKeyFile(path, file);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readKeyFile(path)).toEqual(file);
    expect(readFileSync(path, "utf8")).toMatch(/^\{\n {2}"version": 1,/);
  });
});

describe("loadKeyResolver", () => {
  function setup() {
    const path = tempPath();
    const a = addKey(emptyKeyFile(), { upstreamKey: "upstream-a" });
    const b = addKey(a.file, { upstreamKey: "upstream-b" });
    writeKeyFile(path, b.file);
    let clock = 1_000_000;
    const errors: string[] = [];
    const resolve = loadKeyResolver(path, { now: () => clock, onReloadError: (m) => errors.push(m) });
    return { path, a, b, resolve, errors, tick: (ms: number) => (clock += ms) };
  }

  it("maps each gateway key to its upstream key; anything else is undefined", () => {
    const { a, b, resolve } = setup();
    expect(resolve(a.gatewayKey)).toBe("upstream-a");
    expect(resolve(b.gatewayKey)).toBe("upstream-b");
    expect(resolve("upstream-a")).toBeUndefined();
    expect(resolve(hashKey(a.gatewayKey))).toBeUndefined(); // the stored hash is not a key
    expect(resolve("")).toBeUndefined();
  });

  it("labelOf names an active key by its label; unlabelled, unknown and revoked keys have none", () => {
    const path = tempPath();
    const a = addKey(emptyKeyFile(), { upstreamKey: "upstream-a", label: "bot A" });
    const b = addKey(a.file, { upstreamKey: "upstream-b" });
    writeKeyFile(path, b.file);
    let clock = 0;
    const resolve = loadKeyResolver(path, { now: () => clock });
    expect(resolve.labelOf(a.gatewayKey)).toBe("bot A");
    expect(resolve.labelOf(b.gatewayKey)).toBeUndefined();
    expect(resolve.labelOf("upstream-a")).toBeUndefined();
    writeKeyFile(path, revokeKey(b.file, a.entry.id).file);
    clock += 1000;
    expect(resolve.labelOf(a.gatewayKey)).toBeUndefined();
  });

  it("fails at load when the file is missing or invalid", () => {
    expect(() => loadKeyResolver(tempPath())).toThrow(KeyFileError);
    const path = tempPath();
    writeFileSync(path, "not json");
    expect(() => loadKeyResolver(path)).toThrow(/not valid JSON/);
  });

  it("sees a revocation after at most the check interval", () => {
    const { path, a, b, resolve, tick } = setup();
    writeKeyFile(path, revokeKey(b.file, a.entry.id).file);
    tick(500);
    expect(resolve(a.gatewayKey)).toBe("upstream-a"); // not checked yet
    tick(500);
    expect(resolve(a.gatewayKey)).toBeUndefined();
    expect(resolve(b.gatewayKey)).toBe("upstream-b");
  });

  it("sees a key added later", () => {
    const { path, b, resolve, tick } = setup();
    const c = addKey(b.file, { upstreamKey: "upstream-c" });
    writeKeyFile(path, c.file);
    tick(1000);
    expect(resolve(c.gatewayKey)).toBe("upstream-c");
  });

  it("keeps the last good keys when the file turns invalid, reporting it once without values", () => {
    const { path, a, resolve, errors, tick } = setup();
    writeFileSync(path, '{"version":1,"keys":[{"upstreamKey":"upstream-a"');
    tick(1000);
    expect(resolve(a.gatewayKey)).toBe("upstream-a");
    tick(1000);
    resolve(a.gatewayKey);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/not valid JSON/);
    expect(errors[0]).not.toContain("upstream-a");
  });
});
