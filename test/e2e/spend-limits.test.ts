import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { centsToFixed2, toCents } from "../../src/common/money.js";
import { ownerOf } from "../../src/common/owner.js";
import { addKey, emptyKeyFile, setLimits, writeKeyFile } from "../../src/keys/key-file.js";
import type { Pair } from "../helpers/gateway.js";
import type { InProcessGateway } from "../helpers/harness.js";
import { startHarness } from "../helpers/harness.js";
import { report } from "../helpers/report.js";
import { waitFor } from "../helpers/wait.js";

/**
 * Spend limits (README "Spend limits"), each kind: the refusal token bots already handle, and
 * nothing bought. The LIMIT_* settings apply to every key; KEYS_FILE limits to one gateway key.
 */
const SERVICE = "tg";
const COUNTRY = "62";

async function withLimits(env: Record<string, string>, run: (p: Pair<InProcessGateway>) => Promise<void>) {
  const pair = await startHarness({
    sandbox: { config: { autoSms: false, cancelCooldownS: 0, emailAddressDelayMs: 0 } },
    gateway: { env },
  });
  try {
    await run(pair);
  } finally {
    await pair.close();
  }
}

const getNumber = (p: Pair<InProcessGateway>, key = p.key) =>
  p.gw.call({ api_key: key, action: "getNumber", service: SERVICE, country: COUNTRY });
const purchases = async (p: Pair<InProcessGateway>) => (await p.sb.control.stats()).purchases;

/** The price of tg in country 62 as the gateway shows it, in cents. */
async function priceCents(p: Pair<InProcessGateway>): Promise<number> {
  const prices = JSON.parse(await p.gw.call({ action: "getPrices", service: SERVICE, country: COUNTRY }));
  return toCents(prices[COUNTRY][SERVICE].cost)!;
}

describe("each limit refuses with a token bots handle, and buys nothing", () => {
  it.each([
    ["LIMIT_DAILY_USD", "0.01", "NO_BALANCE"],
    ["LIMIT_TOTAL_USD", "0.01", "NO_BALANCE"],
    ["LIMIT_SERVICES", "wa", "BAD_SERVICE"],
    ["LIMIT_COUNTRIES", "0", "BAD_COUNTRY"],
  ])("%s=%s → %s", async (setting, value, token) => {
    await withLimits({ [setting]: value }, async (p) => {
      const before = await purchases(p);
      expect(await getNumber(p)).toBe(token);
      expect(await purchases(p)).toBe(before);
    });
  });

  it("LIMIT_MAX_PRICE_USD below the price → WRONG_MAX_PRICE with the price, a bot's higher maxPrice cannot raise it", async () => {
    await withLimits({ LIMIT_MAX_PRICE_USD: "0.01" }, async (p) => {
      const price = await priceCents(p);
      const before = await purchases(p);
      expect(await getNumber(p)).toMatch(/^WRONG_MAX_PRICE:/);
      const raised = await p.gw.call({
        api_key: p.key,
        action: "getNumber",
        service: SERVICE,
        country: COUNTRY,
        maxPrice: "100",
      });
      expect(raised).toMatch(/^WRONG_MAX_PRICE:/);
      expect(await purchases(p)).toBe(before);
      expect(price).toBeGreaterThan(1);
    });
  });

  it.each([
    ["LIMIT_MAX_LIVE", "1"],
    ["LIMIT_RATE", "1"],
  ])("%s=%s: the first is bought, the second → NO_NUMBERS", async (setting, value) => {
    await withLimits({ [setting]: value }, async (p) => {
      expect(await getNumber(p)).toMatch(/^ACCESS_NUMBER:/);
      const before = await purchases(p);
      expect(await getNumber(p)).toBe("NO_NUMBERS");
      expect(await purchases(p)).toBe(before);
    });
  });
});

describe("mailboxes count like numbers", () => {
  const buyMailbox = async (p: Pair<InProcessGateway>) => {
    const domains = JSON.parse(
      await p.gw.call({ api_key: p.key, action: "getDomains", site: "telegram.com" }),
    );
    const domain = (domains.response.popular as { name: string; count: number }[]).find(
      (d) => d.count > 0,
    )!.name;
    return JSON.parse(
      await p.gw.call({
        api_key: p.key,
        action: "buyMailActivation",
        site: "telegram.com",
        mail_domain: domain,
      }),
    ) as { status: string; error?: string };
  };

  it("over the daily budget → BAD_BALANCE, nothing bought", async () => {
    await withLimits({ LIMIT_DAILY_USD: "0.01" }, async (p) => {
      const before = (await p.sb.control.stats()).emailPurchases;
      expect(await buyMailbox(p)).toEqual({ status: "ERROR", error: "BAD_BALANCE" });
      expect((await p.sb.control.stats()).emailPurchases).toBe(before);
    });
  });

  it("a reorder is charged against the budget, and its cancel gives that charge back", async () => {
    const probe = await startHarness({ sandbox: { config: { autoSms: false, emailAddressDelayMs: 0 } } });
    const priced = JSON.parse(
      await probe.gw.call({ api_key: probe.key, action: "getDomains", site: "telegram.com" }),
    );
    const gmx = (priced.response.popular as { name: string; cost: number }[]).find(
      (d) => d.name === "gmx.com",
    )!;
    await probe.close();
    const cents = toCents(gmx.cost)!;
    await withLimits({ LIMIT_DAILY_USD: centsToFixed2(cents * 2) }, async (p) => {
      const v1 = async (params: Record<string, string>) =>
        JSON.parse(await p.gw.call({ api_key: p.key, ...params })) as {
          status: string;
          error?: string;
          response?: { id: number };
        };
      const bought = await v1({ action: "buyMailActivation", site: "telegram.com", mail_domain: "gmx.com" });
      const id = String(bought.response!.id);
      const upstreamId = (await p.gw.deps.ids.resolve(Number(id), ownerOf(p.key)))!.upstreamId;
      await p.sb.raw("/sandbox/email", { json: { activationId: upstreamId, text: "Your code is 48213" } });
      expect((await v1({ action: "reorderMailActivation", id })).status).toBe("OK");
      const again = { action: "buyMailActivation", site: "telegram.com", mail_domain: "gmx.com" };
      expect(await v1(again)).toEqual({ status: "ERROR", error: "BAD_BALANCE" });
      expect((await v1({ action: "cancelMailActivation", id })).status).toBe("OK");
      expect((await v1(again)).status).toBe("OK");
    });
  });

  it("a live mailbox counts against --max-live for numbers too (CHANNELS_LIMIT / NO_NUMBERS)", async () => {
    await withLimits({ LIMIT_MAX_LIVE: "1" }, async (p) => {
      expect((await buyMailbox(p)).status).toBe("OK");
      expect(await buyMailbox(p)).toEqual({ status: "ERROR", error: "CHANNELS_LIMIT" });
      expect(await getNumber(p)).toBe("NO_NUMBERS");
    });
  });
});

describe("the daily budget", () => {
  it("takes purchases up to the limit, shows what is left as the balance, and a refund frees it again", async () => {
    const probe = await startHarness({ sandbox: { config: { autoSms: false } } });
    const price = await priceCents(probe);
    await probe.close();
    const limit = centsToFixed2(price * 2);
    await withLimits({ LIMIT_DAILY_USD: limit }, async (p) => {
      expect(await p.gw.call({ api_key: p.key, action: "getBalance" })).toBe(`ACCESS_BALANCE:${limit}`);
      const first = await getNumber(p);
      expect(first).toMatch(/^ACCESS_NUMBER:/);
      expect(await getNumber(p)).toMatch(/^ACCESS_NUMBER:/);
      expect(await getNumber(p)).toBe("NO_BALANCE");
      expect(await p.gw.call({ api_key: p.key, action: "getBalance" })).toBe("ACCESS_BALANCE:0.00");
      const metrics = await (await p.gw.fetch("/metrics")).text();
      expect(metrics).toMatch(new RegExp(`smsgw_spend_today_usd\\{key="[0-9a-f]{12}"\\} ${Number(limit)}`));
      expect(metrics).toMatch(/smsgw_spend_refusals_total\{key="[0-9a-f]{12}",reason="daily"\} 1/);
      const id = first.split(":")[1]!;
      expect(await p.gw.call({ api_key: p.key, action: "setStatus", id, status: "8" })).toBe("ACCESS_CANCEL");
      // the refund is seen when the gateway learns the cancel: the money is free again
      expect(await getNumber(p)).toMatch(/^ACCESS_NUMBER:/);
    });
  });
});

describe("limits are per gateway key", () => {
  it("a limit on one key never affects another key on the same upstream key", async () => {
    const pair = await startHarness({ sandbox: { config: { autoSms: false } } });
    const limited = addKey(emptyKeyFile(), { upstreamKey: pair.key, label: "limited" });
    const free = addKey(limited.file, { upstreamKey: pair.key, label: "free" });
    const file = setLimits(free.file, limited.entry.id, { dailyCents: 1 }).file;
    const keysFile = join(mkdtempSync(join(tmpdir(), "limits-keys-")), "keys.json");
    writeKeyFile(keysFile, file);
    await pair.close();
    await withLimits({ KEYS_FILE: keysFile }, async (p) => {
      expect(await getNumber(p, limited.gatewayKey)).toBe("NO_BALANCE");
      expect(await getNumber(p, free.gatewayKey)).toMatch(/^ACCESS_NUMBER:/);
      expect(await getNumber(p, limited.gatewayKey)).toBe("NO_BALANCE");
    });
  });
});

describe("cost and time", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("a purchase costs one ledger round trip to check and one to settle; a poll costs none", async () => {
    await withLimits({ LIMIT_DAILY_USD: "100" }, async (p) => {
      const ledger = p.gw.deps.ledger!;
      const calls = {
        reserve: vi.spyOn(ledger, "reserve"),
        settle: vi.spyOn(ledger, "settle"),
        usage: vi.spyOn(ledger, "usage"),
        end: vi.spyOn(ledger, "end"),
      };
      const id = (await getNumber(p)).split(":")[1]!;
      expect(calls.reserve).toHaveBeenCalledTimes(1);
      expect(calls.settle).toHaveBeenCalledTimes(1);
      for (const spy of Object.values(calls)) spy.mockClear();
      for (let i = 0; i < 20; i++)
        expect(await p.gw.call({ api_key: p.key, action: "getStatus", id })).toBe("STATUS_WAIT_CODE");
      for (const [name, spy] of Object.entries(calls)) expect(spy, name).not.toHaveBeenCalled();
    });
  });

  it("the day rolls over at 00:00 UTC", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.parse("2026-12-08T23:59:58Z") });
    const probe = await startHarness({ sandbox: { config: { autoSms: false } } });
    const price = await priceCents(probe);
    await probe.close();
    await withLimits({ LIMIT_DAILY_USD: centsToFixed2(price) }, async (p) => {
      expect(await getNumber(p)).toMatch(/^ACCESS_NUMBER:/);
      expect(await getNumber(p)).toBe("NO_BALANCE");
      vi.setSystemTime(Date.parse("2026-12-09T00:00:01Z"));
      expect(await getNumber(p)).toMatch(/^ACCESS_NUMBER:/);
      expect(await getNumber(p)).toBe("NO_BALANCE");
    });
  });

  it("a limit changed in the keys file applies within a second on a running gateway", async () => {
    const probe = await startHarness({ sandbox: { config: { autoSms: false } } });
    const added = addKey(emptyKeyFile(), { upstreamKey: probe.key, label: "changing" });
    const keysFile = join(mkdtempSync(join(tmpdir(), "limits-live-")), "keys.json");
    writeKeyFile(keysFile, added.file);
    await probe.close();
    await withLimits({ KEYS_FILE: keysFile }, async (p) => {
      expect(await getNumber(p, added.gatewayKey)).toMatch(/^ACCESS_NUMBER:/);
      writeKeyFile(keysFile, setLimits(added.file, added.entry.id, { dailyCents: 1 }).file);
      const started = Date.now();
      await waitFor(
        "the new limit to apply",
        async () => (await getNumber(p, added.gatewayKey)) === "NO_BALANCE" || undefined,
        {
          timeoutMs: 5000,
          everyMs: 100,
        },
      );
      report("a limit applied after", { ms: Date.now() - started });
    });
  });
});
