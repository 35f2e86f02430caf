import { afterEach, describe, expect, it } from "vitest";
import { type ConsoleGateway, startConsoleGateway } from "../helpers/console.js";
import { DEMO_API_KEY, type Json } from "../helpers/sandbox.js";
import { waitFor } from "../helpers/wait.js";

/**
 * `GET /console/api/stream` (server-sent events) and the data API, as a script uses them: a
 * snapshot first, then requests, activation changes and chart points as they happen; a gateway
 * shutting down ends open streams instead of waiting for them.
 */
interface SseEvent {
  event: string;
  // biome-ignore lint/suspicious/noExplicitAny: test reads the JSON loosely
  data: any;
}

/** Reads events from an open stream into `events` until the stream ends. */
async function collect(res: Response, events: SseEvent[]): Promise<void> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
      const data = block
        .split("\n")
        .filter((l) => l.startsWith("data: "))
        .map((l) => l.slice(6))
        .join("\n");
      events.push({ event, data: JSON.parse(data) });
      end = buffer.indexOf("\n\n");
    }
  }
}

let gw: ConsoleGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const WAIT = { timeout: 20_000, interval: 100 };

describe("the console's event stream", () => {
  it("sends a snapshot, then requests, activations and chart points as they happen", async () => {
    gw = await startConsoleGateway();
    await gw.call({ api_key: DEMO_API_KEY, action: "getBalance" });
    const res = await fetch(`${gw.url}/console/api/stream`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events: SseEvent[] = [];
    const reading = collect(res, events);
    await expect.poll(() => events.length, WAIT).toBeGreaterThan(0);
    const [snapshot] = events;
    expect(snapshot!.event).toBe("snapshot");
    expect(snapshot!.data).toMatchObject({
      requests: [
        expect.objectContaining({ action: "getBalance", token: "ACCESS_BALANCE", class: "success" }),
      ],
      activations: [],
      series: expect.any(Array),
      keys: expect.any(Array),
    });

    const bought = await gw.call({
      api_key: DEMO_API_KEY,
      action: "getNumber",
      service: "tg",
      country: "62",
    });
    const id = Number(/^ACCESS_NUMBER:(\d+):/.exec(bought)?.[1]);
    const rows = () => events.filter((e) => e.event === "requests").flatMap((e) => e.data);
    await expect.poll(() => rows().map((r) => r.action), WAIT).toContain("getNumber");
    expect(rows().find((r) => r.action === "getNumber")).toMatchObject({
      params: { action: "getNumber", service: "tg", country: "62" },
      calls: [{ method: "POST", route: "/activations", status: 201, outcome: "ok" }],
      summary: bought,
    });
    const activations = () => events.filter((e) => e.event === "activations").flatMap((e) => e.data);
    await expect.poll(() => activations().map((a) => a.id), WAIT).toContain(id);
    expect(activations().find((a) => a.id === id)).toMatchObject({
      service: { code: "tg", name: "Telegram" },
      country: { id: 62, iso: "TR", name: "Turkey" },
      status: "WAITING",
      live: true,
      webhook: null,
    });
    await expect.poll(() => events.filter((e) => e.event === "stats").length, WAIT).toBeGreaterThan(0);
    const stats = events.find((e) => e.event === "stats")!.data;
    expect(stats.points[0]).toEqual(
      expect.objectContaining({
        t: expect.any(Number),
        success: expect.any(Number),
        callsOk: expect.any(Number),
      }),
    );

    // the same through the data API
    const api = async (path: string) =>
      (await fetch(`${gw!.url}/console/api/${path}`)).json() as Promise<Json>;
    const requests = await api("requests?action=getNumber");
    expect(requests.requests).toHaveLength(1);
    expect((await api("requests?class=upstream")).requests).toEqual([]);
    expect((await api("requests?limit=1")).requests[0].action).toBe("getNumber");
    expect((await api(`requests?after=${requests.seq}`)).requests).toEqual([]);
    expect((await fetch(`${gw.url}/console/api/requests?class=nonsense`)).status).toBe(400);
    expect((await api("activations?live=1")).activations.map((a: { id: number }) => a.id)).toEqual([id]);
    const keys = (await api("stats")).keys;
    expect(keys).toEqual([expect.objectContaining({ spent: "0.60", bought: 1, codes: 0 })]);

    // a shutdown ends the stream: it does not wait out the grace period
    await gw.running.close(120_000);
    gw = undefined;
    await reading;
  });
});

describe("CONSOLE_MAX_STREAMS", () => {
  it("refuses streams beyond the cap with 503 and a reason, and frees a slot when a stream closes", async () => {
    gw = await startConsoleGateway({ env: { CONSOLE_MAX_STREAMS: "2" } });
    const url = `${gw.url}/console/api/stream`;
    const readers = [new AbortController(), new AbortController()];
    const open = await Promise.all(readers.map((r) => fetch(url, { signal: r.signal })));
    expect(open.map((r) => r.status)).toEqual([200, 200]);

    const refused = await fetch(url);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({
      error: expect.stringMatching(/too many console streams \(at most 2\)/),
    });

    readers[0]!.abort();
    const third = await waitFor("a slot freed by the closed stream", async () => {
      const res = await fetch(url);
      if (res.status === 200) return res;
      await res.body?.cancel();
      return undefined;
    });
    expect(third.status).toBe(200);
    await third.body?.cancel();
    readers[1]!.abort();
  });
});
