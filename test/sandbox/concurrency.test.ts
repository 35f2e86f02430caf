import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Catalog } from "../../src/sandbox/catalog.js";
import { formatMoney, parseMoney } from "../../src/sandbox/money.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

describe("100 concurrent purchases on a balance that covers exactly 50", () => {
  let sb: TestSandbox;
  const price = Catalog.load().offer("tg", "RU")!.priceCents;
  const key = "concurrent_key_01";

  beforeAll(async () => {
    sb = await startTestSandbox({
      config: { accounts: [{ apiKey: key, balance: formatMoney(price * 50) }], autoSms: false },
    });
  });
  afterAll(() => sb.close());

  it("lets exactly 50 succeed, refuses 50 with 400, ends at 0.00 with a ledger that sums to it", async () => {
    const results = await Promise.all(
      Array.from({ length: 100 }, () =>
        sb.api("/activations", { method: "POST", json: { serviceCode: "tg", countryIso: "RU" } }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(50);
    expect(statuses.filter((s) => s === 400)).toHaveLength(50);
    for (const r of results.filter((r) => r.status === 400))
      expect(r.body.message).toBe("Insufficient balance");

    expect((await sb.api("/wallet/balance")).body.balance).toBe("0.00");
    const txs = (await sb.api("/wallet/transactions?limit=100")).body.data as {
      type: string;
      amount: string;
    }[];
    expect(txs.filter((t) => t.type === "PURCHASE")).toHaveLength(50);
    expect(txs.reduce((sum, t) => sum + parseMoney(t.amount), 0)).toBe(0);

    const handedOut = results.filter((r) => r.status === 201).map((r) => r.body.id as string);
    expect(new Set(handedOut).size).toBe(50);
    const recorded = (await sb.control.activations(key)).map((a) => a.id);
    expect(recorded.sort()).toEqual(handedOut.sort());
    expect((await sb.control.stats()).purchases).toBe(50);
  });
});
