import { describe, expect, it } from "vitest";
import { buy, usePair } from "../helpers/gateway.js";
import { startHarness } from "../helpers/harness.js";

/**
 * One key never reaches another key's mailbox, and mailbox ids and phone-activation ids never
 * cross: an SMS action on a mailbox id, or an email action on a number's id, is not found.
 */
const OTHER_KEY = "email-security-other-key-0000000000";
const pair = usePair(() =>
  startHarness({
    sandbox: {
      config: {
        autoSms: false,
        emailAddressDelayMs: 0,
        accounts: [
          { apiKey: "email-security-own-key-00000000000000", balance: "100.00" },
          { apiKey: OTHER_KEY, balance: "100.00" },
        ],
      },
    },
  }),
);
const SITE = "telegram.com";

const v1 = async (key: string, params: Record<string, string>) =>
  JSON.parse(await pair.gw.call({ api_key: key, ...params })) as {
    status: string;
    error?: string;
    response?: Record<string, unknown>;
  };

async function buyMailbox(key: string): Promise<string> {
  const domains = await v1(key, { action: "getDomains", site: SITE });
  const domain = ((domains.response?.popular ?? []) as { name: string; count: number }[]).find(
    (d) => d.count > 0,
  )!.name;
  const bought = await v1(key, { action: "buyMailActivation", site: SITE, mail_domain: domain });
  expect(bought.status).toBe("OK");
  return String(bought.response?.id);
}

describe("mailbox ownership", () => {
  it("another key's mailbox id is not found by V1 or V2, and is not in its history", async () => {
    const id = await buyMailbox(pair.key);
    for (const action of ["checkMailActivation", "reorderMailActivation", "cancelMailActivation"]) {
      expect(await v1(OTHER_KEY, { action, id })).toEqual({ status: "ERROR", error: "NO_ACTIVATION" });
    }
    const v2 = await pair.gw.fetch(`/api/v2/emails/${id}`, { headers: { "x-api-key": OTHER_KEY } });
    expect(v2.status).toBe(404);
    const history = await v1(OTHER_KEY, { action: "getMailHistory" });
    expect(((history.response?.list ?? []) as { id: number }[]).map((r) => String(r.id))).not.toContain(id);
    // the owner still has it, untouched
    expect((await v1(pair.key, { action: "checkMailActivation", id })).response?.status).toBe("WAIT");
  });

  it("a mailbox id is no phone activation, and a number's id is no mailbox", async () => {
    const mailboxId = await buyMailbox(pair.key);
    expect(await pair.gw.call({ api_key: pair.key, action: "getStatus", id: mailboxId })).toBe(
      "NO_ACTIVATION",
    );
    expect(await pair.gw.call({ api_key: pair.key, action: "setStatus", id: mailboxId, status: "8" })).toBe(
      "NO_ACTIVATION",
    );
    const { id: numberId } = await buy(pair.gw, pair.key);
    expect(await v1(pair.key, { action: "checkMailActivation", id: numberId })).toEqual({
      status: "ERROR",
      error: "NO_ACTIVATION",
    });
    const active = await pair.gw.call({ api_key: pair.key, action: "getActiveActivations" });
    expect(active).toContain(numberId);
    expect(active).not.toContain(`"${mailboxId}"`);
  });

  it("a mailbox polled many times costs at most one upstream read a second", async () => {
    const id = await buyMailbox(pair.key);
    await pair.sb.control.resetStats();
    const polls = await Promise.all(
      Array.from({ length: 20 }, () => v1(pair.key, { action: "checkMailActivation", id })),
    );
    for (const poll of polls) expect(poll.status).toBe("OK");
    const reads = (await pair.sb.control.stats()).requests["GET /api/v1/email-activations/:id"] ?? 0;
    expect(reads).toBeLessThanOrEqual(1);
  });
});
