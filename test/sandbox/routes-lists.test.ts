import { afterEach, describe, expect, it } from "vitest";
import { parseMoney } from "../../src/sandbox/money.js";
import { activationPageSchema, balanceSchema, transactionPageSchema } from "../../src/upstream/schemas.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

describe("list routes: activations and wallet", () => {
  let sb: TestSandbox;
  afterEach(() => sb.close());

  async function buyMany(n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const res = await sb.api("/activations", {
        method: "POST",
        json: { serviceCode: i % 2 ? "wa" : "tg", countryIso: "RU" },
      });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    return ids;
  }

  async function walk(path: string, limit: number): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const sep = path.includes("?") ? "&" : "?";
      const res = await sb.api(`${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      const page = activationPageSchema.parse(res.body);
      expect(page.data.length).toBeLessThanOrEqual(limit);
      ids.push(...page.data.map((a) => a.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 100);
    return { ids, pages };
  }

  it("GET /activations walks every activation exactly once, newest first", async () => {
    sb = await startTestSandbox({ config: { autoSms: false } });
    const ids = await buyMany(23);
    const { ids: walked, pages } = await walk("/activations", 5);
    expect(walked).toEqual([...ids].reverse());
    expect(pages).toBe(5);
    const all = activationPageSchema.parse((await sb.api("/activations")).body);
    expect(all.data).toHaveLength(23); // default limit 25
    expect(all.nextCursor).toBeNull();
  });

  it("filters by status with a comma-separated list", async () => {
    sb = await startTestSandbox({ config: { autoSms: false } });
    const ids = await buyMany(6);
    await sb.control.deliverSms({ activationId: ids[1]! }, "code 1234");
    await sb.control.deliverSms({ activationId: ids[4]! }, "code 5678");
    const received = activationPageSchema.parse((await sb.api("/activations?status=RECEIVED")).body);
    expect(received.data.map((a) => a.id)).toEqual([ids[4], ids[1]]);
    const both = await walk("/activations?status=WAITING,RECEIVED", 2);
    expect(both.ids).toEqual([...ids].reverse());
    const waiting = await walk("/activations?status=WAITING", 3);
    expect(waiting.ids).toEqual([ids[5], ids[3], ids[2], ids[0]]);
    expect((await sb.api("/activations?status=CANCELLED")).body).toEqual({ data: [], nextCursor: null });
  });

  it("lists only the caller's activations", async () => {
    sb = await startTestSandbox({ config: { autoSms: false } });
    await buyMany(2);
    await sb.control.account("someone_else_123", "5.00");
    expect((await sb.api("/activations", { key: "someone_else_123" })).body).toEqual({
      data: [],
      nextCursor: null,
    });
  });

  it.each(["0", "101", "ten", "-3"])("answers 400 for limit=%s", async (limit) => {
    sb = await startTestSandbox();
    for (const path of ["/activations", "/wallet/transactions"]) {
      const res = await sb.api(`${path}?limit=${limit}`);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: "Bad Request", message: expect.any(Array) });
    }
  });

  it("answers 400 for an unknown cursor or status", async () => {
    sb = await startTestSandbox();
    expect((await sb.api("/activations?cursor=cdoesnotexist")).status).toBe(400);
    expect((await sb.api("/wallet/transactions?cursor=cdoesnotexist")).status).toBe(400);
    expect((await sb.api(`/activations?cursor=${"c".repeat(65)}`)).status).toBe(400);
    expect((await sb.api("/activations?status=WAITING,BOGUS")).status).toBe(400);
  });

  it("GET /wallet/balance and /wallet/transactions: the ledger walks once and sums to the balance", async () => {
    sb = await startTestSandbox({
      config: {
        autoSms: false,
        cancelCooldownS: 0,
        accounts: [{ apiKey: "ledger_key_1234", balance: "10.00" }],
      },
    });
    const ids = await buyMany(7);
    await sb.api(`/activations/${ids[2]}`, { method: "DELETE" });
    await sb.api(`/activations/${ids[5]}`, { method: "DELETE" });
    const balance = balanceSchema.parse((await sb.api("/wallet/balance")).body);
    expect(balance.currency).toBe("USD");
    const txs = [];
    let cursor: string | null = null;
    do {
      const res = await sb.api(`/wallet/transactions?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      const page = transactionPageSchema.parse(res.body);
      txs.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor);
    expect(txs).toHaveLength(1 + 7 + 2);
    expect(new Set(txs.map((t) => t.id)).size).toBe(txs.length);
    expect(txs.at(-1)).toMatchObject({ type: "DEPOSIT", amount: "10.00", activationId: null });
    expect(txs.filter((t) => t.type === "PURCHASE")).toHaveLength(7);
    expect(
      txs
        .filter((t) => t.type === "REFUND")
        .map((t) => t.activationId)
        .sort(),
    ).toEqual([ids[2], ids[5]].sort());
    expect(txs[0]!.balanceAfter).toBe(balance.balance);
    const sum = txs.reduce((acc, t) => acc + parseMoney(t.amount), 0);
    expect(sum).toBe(parseMoney(balance.balance));
    for (const t of txs) expect(t.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});
