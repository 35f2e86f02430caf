import { describe, expect, it } from "vitest";
import { ownerOf } from "../../src/common/owner.js";
import { buy, usePair, withGatewayAndSandbox } from "../helpers/gateway.js";
import { startReceiver, type TestReceiver } from "../helpers/receiver.js";
import { report } from "../helpers/report.js";
import { waitFor } from "../helpers/wait.js";

/**
 * A key with a webhook and more live activations than one refresh's pages hold (TRACK_MAX_PAGES=2:
 * 200 of 350): the ones beyond the pages are read in turn within TRACK_READS_PER_S, so every code is
 * pushed, though no bot polls. Before, the 150 beyond the window were never seen again.
 */
const LIVE = 350;
const KEY = "webhook-pages-key-000000000000000";
let rx: TestReceiver;
const pair = usePair(async () => {
  rx = await startReceiver();
  const started = await withGatewayAndSandbox({
    sandbox: {
      clock: "real", // the webhook's receivedAt is the upstream's time, and old codes are not pushed
      config: { autoSms: false, rateLimitPerS: 100_000, accounts: [{ apiKey: KEY, balance: "1000.00" }] },
    },
    gateway: {
      env: {
        WEBHOOK_URL: rx.url,
        WEBHOOK_SECRET: "whsec_pages-test-secret-0000001",
        TRACK_INTERVAL_MS: "500",
        TRACK_MAX_PAGES: "2",
        TRACK_READS_PER_S: "40",
        CATALOG_RATE_PER_S: "1000",
      },
    },
  });
  const close = async () => {
    await started.close();
    await rx.close();
  };
  return { ...started, close };
});

describe(`${LIVE} live activations on one key with a webhook, 2 pages a refresh`, () => {
  it("pushes every code within a minute", async () => {
    const { sb, gw } = pair;
    const bought: { id: string; upstreamId: string }[] = [];
    for (let i = 0; i < LIVE; i++) {
      const { id } = await buy(gw, KEY);
      const record = await gw.deps.ids.resolve(Number(id), ownerOf(KEY));
      bought.push({ id, upstreamId: record!.upstreamId });
    }
    const smsAt = Date.now();
    for (const [i, { upstreamId }] of bought.entries()) {
      await sb.control.deliverSms({ activationId: upstreamId }, `Your code is ${10_000 + i}`);
    }
    await waitFor(
      `${LIVE} codes pushed`,
      () => new Set(rx.accepted().map((h) => h.json.activationId)).size >= LIVE,
      { timeoutMs: 60_000, everyMs: 200 },
    );
    report("codes pushed beyond the pages", { live: LIVE, seconds: (Date.now() - smsAt) / 1000 });
    const pushed = new Map(rx.accepted().map((h) => [String(h.json.activationId), h.json.code]));
    expect(bought.map((b, i) => pushed.get(b.id) === String(10_000 + i))).not.toContain(false);
  }, 120_000);
});
