import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hashKey, loadKeyResolver, readKeyFile } from "../../src/keys/key-file.js";
import { keysCli } from "../helpers/process.js";

const UPSTREAM = "upstream-secret-0123456789";

/** `npm run keys` with a clean environment (no KEYS_FILE unless given). */
const keys = (args: string[], env: Record<string, string> = {}, input?: string) =>
  keysCli(args, { env, ...(input !== undefined && { input }) });

describe("npm run keys (compiled CLI)", () => {
  it("add → list → revoke, never printing the upstream key", () => {
    const file = join(mkdtempSync(join(tmpdir(), "keys-cli-")), "keys.json");
    const outputs: string[] = [];

    const added = keys(["add", "--upstream-key", UPSTREAM, "--label", "bot A", "--file", file]);
    outputs.push(added.stdout, added.stderr);
    expect(added.status).toBe(0);
    const gatewayKey = added.stdout.trim();
    expect(gatewayKey).toMatch(/^[0-9a-f]{32}$/); // stdout is the key and nothing else
    expect(added.stderr).toMatch(/added gk_[0-9a-f]{8} \(bot A\).*shown only this once/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = readFileSync(file, "utf8");
    expect(stored).not.toContain(gatewayKey);
    expect(stored).toContain(hashKey(gatewayKey));

    // KEYS_FILE instead of --file; the upstream key from stdin
    const second = keys(["add", "--upstream-key", "-"], { KEYS_FILE: file }, `${UPSTREAM}-b\n`);
    outputs.push(second.stdout, second.stderr);
    expect(second.status).toBe(0);

    const resolve = loadKeyResolver(file);
    expect(resolve(gatewayKey)).toBe(UPSTREAM);
    expect(resolve(second.stdout.trim())).toBe(`${UPSTREAM}-b`);

    const listed = keys(["list", "--file", file]);
    outputs.push(listed.stdout, listed.stderr);
    expect(listed.status).toBe(0);
    const lines = listed.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^id\s+label\s+created\s+revoked\s+webhook$/);
    expect(lines).toHaveLength(3);
    const id = /^(gk_[0-9a-f]{8})\s+bot A\s+\d{4}-\d\d-\d\dT\S+\s+-\s+-$/.exec(lines[1]!)?.[1];
    expect(id).toBeDefined();

    const revoked = keys(["revoke", id!, "--file", file]);
    outputs.push(revoked.stdout, revoked.stderr);
    expect(revoked.status).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^revoked ${id} at \\d{4}-`));
    expect(loadKeyResolver(file)(gatewayKey)).toBeUndefined();
    expect(loadKeyResolver(file)(second.stdout.trim())).toBe(`${UPSTREAM}-b`);

    const after = keys(["list", "--file", file]);
    outputs.push(after.stdout, after.stderr);
    expect(after.stdout).toMatch(new RegExp(`${id}\\s+bot A\\s+\\S+\\s+\\d{4}-`));

    for (const out of outputs) {
      expect(out).not.toContain(UPSTREAM);
      if (out !== added.stdout) expect(out).not.toContain(gatewayKey);
    }
  });

  it("webhooks: add --webhook and webhook ID URL|none print the secret once and show only the host", () => {
    const file = join(mkdtempSync(join(tmpdir(), "keys-cli-")), "keys.json");
    const hook = "https://bot.example/sms?token=s3cret-token";
    const added = keys(["add", "--upstream-key", UPSTREAM, "--webhook", hook, "--file", file]);
    expect(added.status, added.stderr).toBe(0);
    const [gatewayKey, secret, ...more] = added.stdout.trim().split("\n");
    expect(gatewayKey).toMatch(/^[0-9a-f]{32}$/);
    expect(secret).toMatch(/^whsec_[0-9a-f]{48}$/);
    expect(more).toEqual([]);
    expect(added.stderr).toMatch(/webhook to bot\.example;.*shown only this once/);
    const stored = JSON.parse(readFileSync(file, "utf8")).keys[0];
    expect(stored.webhook).toEqual({ url: hook, secret });

    const id = stored.id as string;
    const listed = keys(["list", "--file", file]);
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+-\\s+\\S+\\s+-\\s+bot\\.example$`, "m"));

    const changed = keys(["webhook", id, "http://127.0.0.1:9/hook", "--file", file]);
    expect(changed.status, changed.stderr).toBe(0);
    const newSecret = changed.stdout.trim();
    expect(newSecret).toMatch(/^whsec_[0-9a-f]{48}$/);
    expect(newSecret).not.toBe(secret);
    expect(changed.stderr).toMatch(/webhook to 127\.0\.0\.1:9; the signing secret above/);
    const removed = keys(["webhook", id, "none", "--file", file]);
    expect(removed.status).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8")).keys[0].webhook).toBeNull();

    for (const bad of ["ftp://bot.example/", "bot.example/sms", "javascript:x"]) {
      const refused = keys(["webhook", id, bad, "--file", file]);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(/http:\/\/ or https:\/\/ URL/);
      expect(keys(["add", "--upstream-key", UPSTREAM, "--webhook", bad, "--file", file]).status).toBe(2);
    }
    expect(keys(["webhook", id, "--file", file]).status).toBe(2);
    expect(keys(["webhook", "gk_00000000", hook, "--file", file]).status).toBe(1);
    for (const out of [added.stderr, listed.stdout, listed.stderr, changed.stderr, removed.stdout]) {
      expect(out).not.toContain("s3cret-token");
      expect(out).not.toContain(UPSTREAM);
    }
  });

  it("links a key issued before webhooks with its gateway key from stdin", () => {
    const file = join(mkdtempSync(join(tmpdir(), "keys-cli-")), "keys.json");
    const added = keys(["add", "--upstream-key", UPSTREAM, "--file", file]);
    const gatewayKey = added.stdout.trim();
    const parsed = JSON.parse(readFileSync(file, "utf8"));
    delete parsed.keys[0].owner; // as a file written before webhooks
    writeFileSync(file, JSON.stringify(parsed));
    const id = parsed.keys[0].id as string;
    const unlinked = keys(["webhook", id, "https://bot.example/", "--file", file]);
    expect(unlinked.status).toBe(1);
    expect(unlinked.stderr).toMatch(/issued before webhooks.*--gateway-key -/);
    const wrong = keys(
      ["webhook", id, "https://bot.example/", "--gateway-key", "-", "--file", file],
      {},
      "0".repeat(32),
    );
    expect(wrong.status).toBe(1);
    const linked = keys(
      ["webhook", id, "https://bot.example/", "--gateway-key", "-", "--file", file],
      {},
      `${gatewayKey}\n`,
    );
    expect(linked.status, linked.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8")).keys[0].owner).toMatch(/^[0-9a-f]{40}$/);
    expect(`${linked.stdout}${linked.stderr}`).not.toContain(gatewayKey);
  });

  it("--help prints the usage on stdout and exits 0", () => {
    const help = keys(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run keys -- <command>/);
    expect(help.stderr).toBe("");
  });

  it("rename gives a key another label, and list shows it", () => {
    const file = join(mkdtempSync(join(tmpdir(), "keys-cli-")), "keys.json");
    keys(["add", "--upstream-key", UPSTREAM, "--label", "old name", "--file", file]);
    const id = readKeyFile(file).keys[0]!.id;
    const renamed = keys(["rename", id, "bot B", "--file", file]);
    expect(renamed.status).toBe(0);
    expect(renamed.stdout.trim()).toBe(`${id}: now "bot B"`);
    expect(readKeyFile(file).keys[0]!.label).toBe("bot B");
    expect(keys(["rename", id, "--file", file]).status).toBe(2);
  });

  it("list shows no webhook for a revoked key", () => {
    const file = join(mkdtempSync(join(tmpdir(), "keys-cli-")), "keys.json");
    keys(["add", "--upstream-key", UPSTREAM, "--webhook", "https://hooks.example.com/x", "--file", file]);
    const id = readKeyFile(file).keys[0]!.id;
    expect(keys(["list", "--file", file]).stdout).toContain("hooks.example.com");
    keys(["revoke", id, "--file", file]);
    const listed = keys(["list", "--file", file]).stdout;
    expect(listed).not.toContain("hooks.example.com");
    expect(listed.trim().split("\n")[1]).toMatch(/\s-$/);
  });

  it("usage errors exit 2, file errors exit 1, both on stderr", () => {
    const dir = mkdtempSync(join(tmpdir(), "keys-cli-"));
    expect(keys([]).status).toBe(2);
    expect(keys(["list"]).stderr).toMatch(/no keys file/);
    expect(keys(["add", "--file", join(dir, "k.json")]).status).toBe(2);
    expect(keys(["frobnicate", "--file", join(dir, "k.json")]).status).toBe(2);
    const missing = keys(["list", "--file", join(dir, "none.json")]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/cannot read keys file/);
    const unknown = keys(["revoke", "gk_00000000", "--file", join(dir, "none.json")]);
    expect(unknown.status).toBe(1);
  });
});
