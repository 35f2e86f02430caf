import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ownerOf } from "../../../src/common/owner.js";
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
  setWebhook,
  watchKeyFile,
  webhookHost,
  webhookUrlProblem,
  writeKeyFile,
} from "../../../src/keys/key-file.js";

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
      owner: ownerOf(gatewayKey),
      upstreamKey: UPSTREAM,
      label: "bot A",
      createdAt: "2026-01-02T03:04:05.000Z",
      revokedAt: null,
      webhook: null,
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

describe("webhooks in the key file", () => {
  const URL_A = "https://bot.example/hook?token=t0ken";

  it("adds a key with a webhook: its URL and a fresh secret, and the owner hash that finds it", () => {
    const { file, entry, gatewayKey } = addKey(emptyKeyFile(), { upstreamKey: UPSTREAM, webhookUrl: URL_A });
    expect(entry.owner).toBe(ownerOf(gatewayKey));
    expect(entry.webhook).toEqual({ url: URL_A, secret: expect.stringMatching(/^whsec_[0-9a-f]{48}$/) });
    expect(parseKeyFile(JSON.stringify(file))).toEqual(file);
    const other = addKey(file, { upstreamKey: UPSTREAM, webhookUrl: URL_A });
    expect(other.entry.webhook!.secret).not.toBe(entry.webhook!.secret);
  });

  it("sets a webhook with a new secret each time, removes it, and refuses what it cannot do", () => {
    const added = addKey(emptyKeyFile(), { upstreamKey: UPSTREAM });
    const id = added.entry.id;
    const set = setWebhook(added.file, id, URL_A);
    const again = setWebhook(set.file, id, "http://10.0.0.5:8000/sms");
    expect(again.entry.webhook!.url).toBe("http://10.0.0.5:8000/sms");
    expect(again.entry.webhook!.secret).not.toBe(set.entry.webhook!.secret);
    expect(setWebhook(again.file, id, null).entry.webhook).toBeNull();
    expect(() => setWebhook(added.file, "gk_nope", URL_A)).toThrow(KeyFileError);
    expect(() => setWebhook(added.file, id, "ftp://bot.example/")).toThrow(/http/);
    const revoked = revokeKey(added.file, id).file;
    expect(() => setWebhook(revoked, id, URL_A)).toThrow(/revoked/);
  });

  it("links a key issued before webhooks when given its gateway key, and only that one", () => {
    const added = addKey(emptyKeyFile(), { upstreamKey: UPSTREAM });
    const { owner: _, ...legacy } = added.entry;
    const old = { ...added.file, keys: [legacy] };
    expect(() => setWebhook(old, legacy.id, URL_A)).toThrow(/--gateway-key/);
    expect(() => setWebhook(old, legacy.id, URL_A, { gatewayKey: generateGatewayKey() })).toThrow(/not the/);
    const linked = setWebhook(old, legacy.id, URL_A, { gatewayKey: added.gatewayKey });
    expect(linked.entry.owner).toBe(ownerOf(added.gatewayKey));
  });

  it("accepts only http(s) URLs with a host, and shows only the host", () => {
    for (const ok of [URL_A, "http://127.0.0.1:9000/x", "https://h.example"])
      expect(webhookUrlProblem(ok)).toBeUndefined();
    for (const bad of [
      "",
      "bot.example/hook",
      "ftp://h/x",
      "javascript:alert(1)",
      "file:///etc/passwd",
      "http://",
    ])
      expect(webhookUrlProblem(bad), bad).toMatch(/http/);
    expect(webhookHost(URL_A)).toBe("bot.example");
    expect(webhookHost("http://127.0.0.1:9000/x?k=1")).toBe("127.0.0.1:9000");
  });

  it("refuses a link-local receiver (cloud metadata) when a webhook is added or set, in one line", () => {
    const refusal = "the webhook URL's host: link-local addresses (169.254.0.0/16, fe80::/10) are refused";
    for (const url of ["http://169.254.169.254/", "https://[fe80::1]/hook", "http://[::ffff:169.254.0.1]/"]) {
      expect(() => addKey(emptyKeyFile(), { upstreamKey: UPSTREAM, webhookUrl: url })).toThrow(refusal);
      const added = addKey(emptyKeyFile(), { upstreamKey: UPSTREAM });
      expect(() => setWebhook(added.file, added.entry.id, url)).toThrow(refusal);
    }
  });

  it("watchKeyFile answers the same object until the file changes", () => {
    const path = tempPath();
    writeKeyFile(path, addKey(emptyKeyFile(), { upstreamKey: UPSTREAM }).file);
    let t = 0;
    const current = watchKeyFile(path, { now: () => t });
    const first = current();
    t += 1000;
    expect(current()).toBe(first);
    writeKeyFile(path, addKey(first, { upstreamKey: UPSTREAM }).file);
    t += 1000;
    expect(current().keys).toHaveLength(2);
  });
});
