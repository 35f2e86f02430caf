import type { Hono } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import type { ConsoleEnv } from "./access.js";
import type { ConsoleData } from "./data.js";
import type { StreamEvents } from "./views.js";

/**
 * `GET /console/api/stream`: server-sent events. First a `snapshot` (recent requests, activations,
 * the charts and per-key figures), then every quarter second what changed: `requests` (new rows,
 * oldest first), `activations` (changed rows), `stats` (new chart points and the per-key figures),
 * and a `ping` now and then. Each connection reads the shared state; nothing is queued per client.
 */
const TICK_MS = 250;
const PING_EVERY = 60; // ticks: 15 s
const SNAPSHOT_REQUESTS = 300;
const SNAPSHOT_ACTIVATIONS = 500;
const BATCH = 200;

/**
 * The open streams, at most `max` (CONSOLE_MAX_STREAMS): each holds a socket and reads the shared
 * state four times a second. A slot is taken before the stream starts and freed when it ends.
 */
export class ConsoleStreams {
  private readonly open = new Set<SSEStreamingApi>();
  private slots = 0;

  constructor(readonly max = 20) {}

  /** Takes a slot; false when every slot is taken. */
  reserve(): boolean {
    if (this.slots >= this.max) return false;
    this.slots += 1;
    return true;
  }

  add(stream: SSEStreamingApi): void {
    this.open.add(stream);
    stream.onAbort(() => this.remove(stream));
  }

  /** Frees the stream's slot (once, however many times it is told). */
  remove(stream: SSEStreamingApi): void {
    if (this.open.delete(stream)) this.slots -= 1;
  }

  /** Ends every stream (shutdown): a graceful close must not wait for them. */
  async closeAll(): Promise<void> {
    const streams = [...this.open];
    for (const stream of streams) this.remove(stream);
    await Promise.all(streams.map((s) => s.close()));
  }
}

export function streamRoute(app: Hono<ConsoleEnv>, data: ConsoleData, streams: ConsoleStreams): void {
  app.get("/api/stream", (c) => {
    if (!streams.reserve())
      return c.json({ error: `too many console streams (at most ${streams.max}): close one and retry` }, 503);
    return streamSSE(c, async (stream) => {
      streams.add(stream);
      try {
        await follow(stream, data);
      } finally {
        streams.remove(stream);
      }
    });
  });
}

async function follow(stream: SSEStreamingApi, data: ConsoleData): Promise<void> {
  const send = <E extends keyof StreamEvents>(event: E, payload: StreamEvents[E]) =>
    stream.writeSSE({ event, data: JSON.stringify(payload) });
  data.recorder.fold();
  let seq = data.recorder.requests.seq;
  let version = data.board.version;
  let points = data.series.seq;
  await send("snapshot", {
    requests: data.requests({ limit: SNAPSHOT_REQUESTS }).reverse(),
    activations: await data.activations(data.board.all().slice(0, SNAPSHOT_ACTIVATIONS)),
    ...data.stats(),
  });
  let ticks = 0;
  while (!stream.aborted && !stream.closed) {
    await stream.sleep(TICK_MS);
    if (stream.aborted || stream.closed) return;
    ticks += 1;
    const newest = data.recorder.requests.seq;
    if (newest > seq) {
      const rows = data.requests({ after: seq, limit: BATCH }).reverse();
      seq = newest;
      await send("requests", rows);
    }
    if (data.board.version > version) {
      const changed = data.board.changedSince(version);
      version = data.board.version;
      await send("activations", await data.activations(changed));
    }
    if (data.series.seq > points) {
      const fresh = data.series.since(points);
      points = data.series.seq;
      await send("stats", { points: fresh, keys: data.keys.rows() });
    }
    if (ticks % PING_EVERY === 0) await send("ping", { at: Date.now() });
  }
}
