import { describe, expect, it } from "vitest";
import { startHarness } from "../helpers/harness.js";
import { waitFor } from "../helpers/wait.js";

/**
 * A mailbox whose address the upstream never fills in within EMAIL_ADDRESS_WAIT_MS: the bot gets a
 * clean error (no id it could not use), and the mailbox is cancelled for a refund.
 */
describe("a mailbox without an address in time", () => {
  it("answers CHANNELS_LIMIT and the mailbox bought is cancelled, its money back", async () => {
    const pair = await startHarness({
      // the sandbox's clock is fake and never moves: the address never comes
      sandbox: { config: { autoSms: false, emailAddressDelayMs: 60_000 } },
      gateway: { env: { EMAIL_ADDRESS_WAIT_MS: "300", ORPHAN_SWEEP_S: "1" } },
    });
    try {
      const balance = () => pair.gw.call({ api_key: pair.key, action: "getBalance" });
      const before = await balance();
      const answer = JSON.parse(
        await pair.gw.call({
          api_key: pair.key,
          action: "buyMailActivation",
          site: "telegram.com",
          mail_domain: "gmx.com",
        }),
      );
      expect(answer).toEqual({ status: "ERROR", error: "CHANNELS_LIMIT" });
      expect((await pair.sb.control.stats()).emailPurchases).toBe(1);
      const sold = async () =>
        (await pair.sb.raw(`/sandbox/email-activations?apiKey=${pair.key}`)).body.data as {
          status: string;
        }[];
      await waitFor(
        "the mailbox cancelled",
        async () => (await sold())[0]?.status === "CANCELLED" || undefined,
        {
          timeoutMs: 15_000,
          everyMs: 100,
        },
      );
      expect(await balance()).toBe(before);
    } finally {
      await pair.close();
    }
  });
});
