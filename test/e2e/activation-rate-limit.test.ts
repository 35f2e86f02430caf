import { describe, expect, it } from "vitest";
import { ownerOf } from "../../src/common/owner.js";
import { T } from "../../src/common/tokens.js";
import { failRoute } from "../helpers/faults.js";
import { buy, usePair } from "../helpers/gateway.js";
import { startHarness } from "../helpers/harness.js";
import { waitFor } from "../helpers/wait.js";

/**
 * A key's upstream budget goes to writes first (docs/architecture.md, "Rate limits"): when only the
 * tracker's list meets 429s (Retry-After: 1 s, again at each refresh), the key stays in back-off
 * almost all the time, yet a bot's completes and cancels wait it out and reach the upstream.
 */
const pair = usePair(() =>
  startHarness({
    sandbox: { config: { autoSms: false, cancelCooldownS: 0, rateLimitPerS: 100_000 } },
    gateway: { env: { TRACK_INTERVAL_MS: "100" } },
  }),
);

const LIST_429 =
  /^smsgw_upstream_calls_total\{[^}]*route="GET \/activations"[^}]*outcome="rate_limited"[^}]*\} (\d+)/m;

describe("429s on the tracker's list route only", () => {
  it("completes and cancels all reach the upstream and succeed", async () => {
    const { sb, gw, key } = pair;
    const call = (params: Record<string, string>) => gw.call({ api_key: key, ...params });
    const bought = [];
    for (let i = 0; i < 4; i++) {
      const { id } = await buy(gw, key);
      const record = await gw.deps.ids.resolve(Number(id), ownerOf(key));
      bought.push({ id, upstreamId: record!.upstreamId, code: String(31_000 + i) });
    }
    const [received, waiting] = [bought.slice(0, 2), bought.slice(2)];
    for (const { upstreamId, code } of received) {
      await sb.control.deliverSms({ activationId: upstreamId }, `Your code is ${code}`);
    }
    for (const { id, code } of received) {
      await waitFor(`the code of ${id} seen`, async () =>
        (await call({ action: "getStatus", id })) === `STATUS_OK:${code}` ? true : undefined,
      );
    }

    await failRoute(sb, "GET /api/v1/activations", { error429: 1 });
    await waitFor("the tracker's list refused with a 429", async () => {
      const metrics = await (await gw.fetch("/metrics")).text();
      return Number(LIST_429.exec(metrics)?.[1] ?? 0) > 0;
    });

    const answers = [];
    for (const { id } of received) answers.push(await call({ action: "setStatus", id, status: "6" }));
    for (const { id } of waiting) answers.push(await call({ action: "setStatus", id, status: "8" }));
    expect(answers).toEqual([T.ACCESS_ACTIVATION, T.ACCESS_ACTIVATION, T.ACCESS_CANCEL, T.ACCESS_CANCEL]);

    const upstream = new Map((await sb.control.activations(key)).map((a) => [a.id, a.status]));
    expect(received.map((a) => upstream.get(a.upstreamId))).toEqual(["COMPLETED", "COMPLETED"]);
    expect(waiting.map((a) => upstream.get(a.upstreamId))).toEqual(["CANCELLED", "CANCELLED"]);
  });
});
