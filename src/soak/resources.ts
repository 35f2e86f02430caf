import { readdirSync, readFileSync } from "node:fs";
import { Redis } from "ioredis";

/** One replica's figures at one moment. */
export interface ReplicaSample {
  atS: number;
  replica: string;
  rssMb: number;
  /** V8 heap right after a full GC (the gateway's `smsgw_heap_after_gc_bytes`), null if unread */
  heapMb: number | null;
  fds: number;
}

export interface RedisSample {
  atS: number;
  usedMb: number;
  keys: number;
}

const mb = (bytes: number) => Math.round(bytes / 104_857.6) / 10;

/** RSS and open files from /proc, heap after GC from the replica's /metrics. */
export async function sampleReplica(
  atS: number,
  replica: { name: string; pid: number; url: string },
): Promise<ReplicaSample> {
  const status = readFileSync(`/proc/${replica.pid}/status`, "utf8");
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const fds = readdirSync(`/proc/${replica.pid}/fd`).length;
  let heapMb: number | null = null;
  try {
    const text = await (await fetch(`${replica.url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    const heap = /^smsgw_heap_after_gc_bytes (\d+(?:\.\d+)?)/m.exec(text)?.[1];
    if (heap !== undefined) heapMb = mb(Number(heap));
  } catch {
    // a replica restarting: its heap is read next time
  }
  return { atS, replica: replica.name, rssMb: mb(rssKb * 1024), heapMb, fds };
}

export async function sampleRedis(atS: number, url: string): Promise<RedisSample | undefined> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  redis.on("error", () => {});
  try {
    await redis.connect();
    const info = await redis.info("memory");
    const used = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
    return { atS, usedMb: mb(used), keys: await redis.dbsize() };
  } catch {
    return undefined; // restarting
  } finally {
    redis.disconnect();
  }
}

/** Least-squares slope of y over x (per unit of x), 0 with fewer than two points. */
export function slope(points: [number, number][]): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

const per10Min = (points: [number, number][]) => Math.round(slope(points) * 600 * 100) / 100;

/** Over the second half of the run: the trend of each figure (per 10 minutes) and the fds at its ends. */
export function summarize(samples: ReplicaSample[], redis: RedisSample[], halfS: number) {
  const replicas = [...new Set(samples.map((s) => s.replica))];
  const late = samples.filter((s) => s.atS >= halfS);
  return {
    replicas: Object.fromEntries(
      replicas.map((name) => {
        const mine = late.filter((s) => s.replica === name);
        const heap = mine.filter((s) => s.heapMb !== null).map((s) => [s.atS, s.heapMb!] as [number, number]);
        return [
          name,
          {
            samples: samples.filter((s) => s.replica === name).length,
            rssMbPer10Min: per10Min(mine.map((s) => [s.atS, s.rssMb])),
            heapMbPer10Min: per10Min(heap),
            fdsAtHalf: mine[0]?.fds ?? null,
            fdsAtEnd: mine.at(-1)?.fds ?? null,
          },
        ];
      }),
    ),
    redis: {
      usedMbPer10Min: per10Min(redis.filter((s) => s.atS >= halfS).map((s) => [s.atS, s.usedMb])),
      keysAtEnd: redis.at(-1)?.keys ?? null,
    },
  };
}
