import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ownerOf } from "../../src/common/owner.js";
import { loadKeyResolver, readKeyFile } from "../../src/keys/key-file.js";
import { openSqliteSpendLedger } from "../../src/store/spend-sqlite.js";
import { keysCli } from "../helpers/process.js";

/** `keys limit` and `keys usage` (compiled CLI): limits kept in the file, spend read from the ledger. */
describe("npm run keys -- limit / usage", () => {
  it("sets limits on add and with limit, clears them with --none, and prints usage from DATA_DIR", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keys-limits-"));
    const file = join(dir, "keys.json");
    const added = keysCli(["add", "--upstream-key", "up-key-0123456789", "--daily", "5", "--file", file]);
    expect(added.status, added.stderr).toBe(0);
    const gatewayKey = added.stdout.trim();
    const id = readKeyFile(file).keys[0]!.id;
    expect(loadKeyResolver(file).limitsOf?.(gatewayKey)).toEqual({ dailyCents: 500 });

    const limited = keysCli(["limit", id, "--rate", "3", "--services", "tg,wa", "--file", file]);
    expect(limited.status, limited.stderr).toBe(0);
    expect(limited.stdout.trim()).toBe(`${id}: services tg,wa, rate 3/min`);
    expect(loadKeyResolver(file).limitsOf?.(gatewayKey)).toEqual({ services: ["tg", "wa"], perMinute: 3 });

    const now = Date.now();
    const ledger = openSqliteSpendLedger({ dataDir: dir });
    const day = new Date(now).toISOString().slice(0, 10);
    await ledger.reserve({ id: "r1", owner: ownerOf(gatewayKey), cents: 135, day, at: now }, {});
    await ledger.settle("r1", "up-1", 135);
    await ledger.close();
    const usage = keysCli(["usage", id, "--file", file], { env: { DATA_DIR: dir } });
    expect(usage.status, usage.stderr).toBe(0);
    expect(usage.stdout).toMatch(
      new RegExp(`^${id}: today 1\\.35, total 1\\.35, live 1, last minute 1 of 3`),
    );

    const cleared = keysCli(["limit", id, "--none", "--file", file]);
    expect(cleared.stdout.trim()).toBe(`${id}: no limits`);
    expect(loadKeyResolver(file).limitsOf?.(gatewayKey)).toBeUndefined();
  });

  it.each([
    [["limit", "gk_00000000", "--daily", "five"], /--daily must be an amount/],
    [["limit", "gk_00000000"], /at least one limit, or --none/],
    [["limit", "gk_00000000", "--none", "--rate", "2"], /--none clears the limits; give it alone/],
  ])("%o exits 2 naming the problem", (args, message) => {
    const file = join(mkdtempSync(join(tmpdir(), "keys-limits-")), "keys.json");
    const result = keysCli([...args, "--file", file]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
