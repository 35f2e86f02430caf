import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerOf } from "../../src/common/owner.js";
import {
  type Answer,
  httpCall,
  legacy,
  pollUntil,
  type SpawnedGateway,
  spawnGateway,
} from "../helpers/ops.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

/**
 * Secrets: a full session at LOG_LEVEL=debug and trace, through the compiled
 * process; no api key (the real one, nor a wrong one) appears in any log line or in any file of
 * DATA_DIR, and the stored owners are hashes.
 */
const KEY = "realKey_5e8f2a9c0b7d4613aa";
const WRONG_KEY = "wrongKey_0c4b9e1f7a2d5836bb";
const SECRETS = [KEY, WRONG_KEY];

/** Every file under `dir` (recursively), with its bytes. */
function filesOf(dir: string): { path: string; bytes: Buffer }[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesOf(path) : [{ path, bytes: readFileSync(path) }];
  });
}

function expectNoSecretIn(where: string, bytes: Buffer | string): void {
  const text = Buffer.isBuffer(bytes) ? bytes.toString("latin1") : bytes;
  for (const secret of SECRETS) {
    expect(text.includes(secret), `${secret} in ${where}`).toBe(false);
    // also as UTF-16 (SQLite may store text that way) and URL-encoded
    expect(
      text.includes(Buffer.from(secret, "utf16le").toString("latin1")),
      `${secret} (utf16) in ${where}`,
    ).toBe(false);
  }
}

describe.each(["debug", "trace"])("a full session at LOG_LEVEL=%s leaks no api key", (level) => {
  let sb: TestSandbox;
  let gw: SpawnedGateway;
  let dataDir: string;
  const answers: Record<string, string> = {};
  /** requests made while waiting for the code (not recorded as answers) */
  let extraPolls = 0;
  let filesWhileRunning: { path: string; bytes: Buffer }[] = [];

  beforeAll(async () => {
    sb = await startTestSandbox({
      clock: "real",
      config: { autoSms: false, cancelCooldownS: 0, accounts: [{ apiKey: KEY, balance: "100.00" }] },
    });
    dataDir = mkdtempSync(join(tmpdir(), "gw-ops-secrets-"));
    gw = await spawnGateway({
      UPSTREAM_URL: sb.baseUrl,
      PORT: "0",
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      LOG_LEVEL: level,
      STATUS_CACHE_MS: "0",
    });
    const get = async (name: string, params: Record<string, string>) => {
      const a = await legacy(gw.legacyUrl, params);
      expect(a.status, name).toBe(200);
      answers[name] = a.body;
      return a.body;
    };
    const raw = async (name: string, a: Promise<Answer>) => {
      const res = await a;
      expect(res.status, name).toBe(200);
      answers[name] = res.body;
      return res.body;
    };

    await get("balance", { api_key: KEY, action: "getBalance" });
    const bought = await get("buy", { api_key: KEY, action: "getNumber", service: "tg", country: "62" });
    const id = /^ACCESS_NUMBER:(\d+):/.exec(bought)?.[1] ?? "0";
    await get("status", { api_key: KEY, action: "getStatus", id });
    const [upstream] = await sb.control.activations(KEY);
    await sb.control.deliverSms({ activationId: upstream!.id }, "Your Telegram code is 52917");
    // the activation tracker shows the code within an interval: poll until it does
    await pollUntil("the code", async () => {
      extraPolls += 1;
      const a = await legacy(gw.legacyUrl, { api_key: KEY, action: "getStatus", id });
      return a.body.startsWith("STATUS_OK") ? true : undefined;
    });
    await get("statusSms", { api_key: KEY, action: "getStatus", id });
    await get("statusV2", { api_key: KEY, action: "getStatusV2", id });
    await get("fullSms", { api_key: KEY, action: "getFullSms", id });
    await get("complete", { api_key: KEY, action: "setStatus", id, status: "6" });
    await get("wrongKey", { api_key: WRONG_KEY, action: "getBalance" });
    await get("wrongKeyStatus", { api_key: WRONG_KEY, action: "getStatus", id });
    await get("active", { api_key: KEY, action: "getActiveActivations" });
    await get("history", { api_key: KEY, action: "getHistory" });
    await get("orderV2", {
      api_key: KEY,
      action: "getNumberV2",
      service: "tg",
      country: "62",
      orderId: "order-secrets-1",
    });
    await raw(
      "post",
      httpCall(gw.legacyUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ api_key: KEY, action: "getBalance" }).toString(),
      }),
    );
    await raw("trailingSpaceName", httpCall(`${gw.legacyUrl}?api_key%20=${KEY}&action=getBalance`));
    await raw("trailingSlashPath", httpCall(`${gw.legacyUrl}/?action=getBalance&api_key=${KEY}`));
    await raw("unknownAction", httpCall(`${gw.legacyUrl}?api_key=${KEY}&action=getEverything`));
    // not a legacy path: 404, and nothing about it may be logged with the key either
    expect((await httpCall(`${gw.url}/nope/${KEY}?api_key=${KEY}`)).status).toBe(404);
    // An ambiguous purchase (the upstream bought, then answered 500): warnings with upstream errors.
    await sb.control.setFaults([{ route: "POST /api/v1/activations", phase: "after", error500: 1 }]);
    await get("ambiguousBuy", { api_key: KEY, action: "getNumber", service: "tg", country: "62" });
    await sb.control.clearFaults();
    // An upstream outage on a status poll.
    await sb.control.setFaults([{ route: "GET /api/v1/activations/:id", phase: "before", error500: 1 }]);
    await get("statusOutage", { api_key: KEY, action: "getStatus", id });
    await sb.control.clearFaults();

    filesWhileRunning = filesOf(dataDir);
  });
  afterAll(async () => {
    await gw?.stop();
    await sb?.close();
  });

  it("the session got the answers it should (so the logs below cover real work)", () => {
    expect(answers).toMatchObject({
      balance: "ACCESS_BALANCE:100.00",
      status: "STATUS_WAIT_CODE",
      statusSms: "STATUS_OK:52917",
      complete: "ACCESS_ACTIVATION",
      wrongKey: "BAD_KEY",
      wrongKeyStatus: "NO_ACTIVATION", // a key that does not own the id learns nothing about it
      unknownAction: "BAD_ACTION",
    });
    expect(answers.buy).toMatch(/^ACCESS_NUMBER:\d+:\d+$/);
    expect(answers.orderV2).toMatch(/^\{/);
    expect(answers.post).toMatch(/^ACCESS_BALANCE:/);
    expect(answers.trailingSpaceName).toMatch(/^ACCESS_BALANCE:/);
    expect(answers.trailingSlashPath).toMatch(/^ACCESS_BALANCE:/);
    expect(answers.history).toMatch(/^(\[|\{)/);
    expect(answers.ambiguousBuy).toMatch(/^(ACCESS_NUMBER:\d+:\d+|ERROR_SQL)$/);
    expect(answers.statusOutage).toMatch(/^[A-Z_]+(:.*)?$/);
  });

  it("no api key in any log line (stdout or stderr)", async () => {
    // a request's log line is written as it is answered: the pipe may deliver the last one later
    const logged = () =>
      gw
        .stdout()
        .split("\n")
        .filter((l) => l.includes('"msg":"legacy request"')).length;
    await pollUntil("every request's log line", async () =>
      logged() >= Object.keys(answers).length + extraPolls ? true : undefined,
    );
    const out = gw.stdout();
    const err = gw.stderr();
    const lines = `${out}\n${err}`.split("\n").filter((l) => l.trim() !== "");
    const requestLines = lines.filter((l) => l.includes('"msg":"legacy request"'));
    expect(requestLines).toHaveLength(Object.keys(answers).length + extraPolls); // the capture saw every legacy request
    expect(lines.some((l) => l.includes('"level":40'))).toBe(true); // and warnings (the ambiguous buy)
    for (const line of lines) expectNoSecretIn(`log line ${line.slice(0, 120)}`, line);
    expect(out).not.toContain("sandbox api key"); // no banner key with UPSTREAM_URL
  });

  it("no api key in any file of DATA_DIR (sqlite file, -wal, catalogue snapshot), running and after shutdown", async () => {
    const names = filesWhileRunning.map((f) => f.path.slice(dataDir.length + 1));
    expect(names).toEqual(expect.arrayContaining(["ids.sqlite", "ids.sqlite-wal"]));
    for (const f of filesWhileRunning) expectNoSecretIn(f.path, f.bytes);

    expect((await gw.stop()).code).toBe(0);
    const afterStop = filesOf(dataDir);
    // the catalogue snapshot is written (at the latest) on shutdown
    expect(afterStop.map((f) => f.path.slice(dataDir.length + 1))).toEqual(
      expect.arrayContaining(["ids.sqlite", "catalog-snapshot.json"]),
    );
    for (const f of afterStop) expectNoSecretIn(f.path, f.bytes);
    for (const line of gw.stdout().split("\n")) expectNoSecretIn("shutdown log", line);
  });

  it("the stored owners are 40-hex hashes of the key, never the key", () => {
    const db = new Database(join(dataDir, "ids.sqlite"), { readonly: true, fileMustExist: true });
    try {
      const owners = [
        ...db.prepare("SELECT owner FROM activations").all(),
        ...db.prepare("SELECT owner FROM orders").all(),
        ...db.prepare("SELECT owner FROM intents").all(),
      ].map((r) => (r as { owner: string }).owner);
      expect(owners.length).toBeGreaterThanOrEqual(5); // 2–3 activations, 1 order, 2–3 intents
      for (const owner of owners) {
        expect(owner).toMatch(/^[0-9a-f]{40}$/);
        expect(owner).not.toBe(KEY);
        expect(owner).toBe(ownerOf(KEY));
      }
      const orders = db.prepare("SELECT order_id FROM orders").all() as { order_id: string }[];
      expect(orders.map((o) => o.order_id)).toEqual(["order-secrets-1"]);
    } finally {
      db.close();
    }
  });
});
