import { afterEach, describe, expect, it } from "vitest";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

/**
 * `GET /sandbox/catalog/version`: the catalogue version gateways watch. Offer changes bump it; a
 * watcher's poll is held until something changes; a change is answered once every live watcher
 * has polled again past it (the gateways have reloaded), never held up by a watcher that left.
 */
let sb: TestSandbox | undefined;
afterEach(async () => {
  await sb?.close();
  sb = undefined;
});

type Version = { instance: string; version: number; services: Record<string, number> };
const version = async (query = "", init: { signal?: AbortSignal } = {}): Promise<Version> => {
  const res = await fetch(`${sb!.url}/sandbox/catalog/version${query}`, init);
  expect(res.status).toBe(200);
  return (await res.json()) as Version;
};
const poll = (watcher: string, v: Version, signal?: AbortSignal) =>
  version(`?watcher=${watcher}&instance=${v.instance}&after=${v.version}&waitMs=60000`, { signal });
const setStock = (stock: number) => sb!.control.setOffer("tg", "TR", { stock });

/** Marks when a promise settles, so a test can say it has not (yet). */
function tracked<T>(p: Promise<T>) {
  const t = { done: false, promise: p };
  void p.then(() => (t.done = true));
  return t;
}
const turns = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe("GET /sandbox/catalog/version", () => {
  it("starts at 0; each PUT /sandbox/offers bumps it and records the service", async () => {
    sb = await startTestSandbox();
    const first = await version();
    expect(first).toEqual({ instance: expect.any(String), version: 0, services: {} });
    expect((await setStock(0)).status).toBe(200);
    await sb.control.setOffer("wa", "TR", { price: "0.90" });
    expect(await version()).toEqual({ instance: first.instance, version: 2, services: { tg: 1, wa: 2 } });
    // purchases move stock too but are not versioned (the gateway's TTL covers them)
    await setStock(5);
    const bought = await sb.api("/activations", {
      method: "POST",
      json: { serviceCode: "tg", countryIso: "TR" },
    });
    expect(bought.status).toBe(201);
    expect((await version()).version).toBe(3);
  });

  it("is listed by GET /sandbox and checks its query", async () => {
    sb = await startTestSandbox();
    const routes = (await sb.raw("/sandbox")).body.routes as string[];
    expect(routes.some((r) => r.startsWith("GET  /sandbox/catalog/version"))).toBe(true);
    expect((await sb.raw("/sandbox/catalog/version?watcher=a b")).status).toBe(400);
    expect((await sb.raw("/sandbox/catalog/version?watcher=w&after=x")).status).toBe(400);
    expect((await sb.raw("/sandbox/catalog/version?watcher=w&waitMs=999999")).status).toBe(400);
  });

  it("a watcher's poll is held while nothing changed and answered by the next change", async () => {
    sb = await startTestSandbox();
    const v0 = await version("?watcher=gw1"); // first contact: answered at once
    const held = tracked(poll("gw1", v0));
    await turns();
    expect(held.done).toBe(false);
    const put = tracked(setStock(0));
    const v1 = await held.promise;
    expect(v1).toMatchObject({ version: 1, services: { tg: 1 } });
    await turns();
    expect(put.done).toBe(false); // the change waits for the watcher to catch up …
    // … which it does by polling past it (that poll fails when the sandbox closes: ignored)
    const next = tracked(poll("gw1", v1).catch(() => undefined));
    expect((await put.promise).status).toBe(200);
    expect(next.done).toBe(false); // and that poll is held again
  });

  it("a poll from another instance (the sandbox restarted) is answered at once", async () => {
    sb = await startTestSandbox();
    const v = await version();
    expect(await poll("gw1", { ...v, instance: "an-old-instance" })).toMatchObject({ instance: v.instance });
  });

  it("a watcher that went away (its poll aborted) does not hold a change up", async () => {
    sb = await startTestSandbox();
    const v0 = await version("?watcher=gone");
    const controller = new AbortController();
    const held = poll("gone", v0, controller.signal).catch(() => "aborted");
    await turns();
    controller.abort();
    expect(await held).toBe("aborted");
    // The fence's own bound is FENCE_MS; this must answer because the watcher is gone, and the
    // watcher's removal is what is checked: a second, live watcher still holds the next change.
    const live = await version("?watcher=live");
    const livePoll = poll("live", live);
    const put = tracked(setStock(0));
    const v1 = await livePoll;
    await turns();
    expect(put.done).toBe(false);
    void poll("live", v1).catch(() => undefined);
    expect((await put.promise).status).toBe(200);
  });
});
