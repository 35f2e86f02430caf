import { type Bucket, bucketDelta, histogramQuantile } from "./quantile.js";
import { Ring } from "./ring.js";
import type { TokenClass } from "./token-class.js";

/**
 * One point a second over the last ten minutes: legacy requests by token class, native calls
 * (answered or failed), and their latency p50/p99 in ms (null in a second without calls).
 */
export interface SeriesPoint {
  /** the second's start, ms since the epoch */
  t: number;
  success: number;
  protocol: number;
  upstream: number;
  callsOk: number;
  callsFailed: number;
  p50: number | null;
  p99: number | null;
}

/** Every native call of the gateway so far (its own metrics), read once a second. */
export interface UpstreamTotals {
  ok: number;
  failed: number;
  /** cumulative latency buckets in seconds, ascending `le`, over all routes */
  buckets: Bucket[];
}

export const SERIES_SECONDS = 600;

export class Series {
  private readonly points = new Ring<SeriesPoint>(SERIES_SECONDS);
  private previous: UpstreamTotals | undefined;

  /** How many points were ever added (the newest point's number). */
  get seq(): number {
    return this.points.seq;
  }

  /** Oldest first. */
  all(): SeriesPoint[] {
    return this.points.since(0).map((p) => p.item);
  }

  /** The points added after point number `seq` (and still kept), oldest first. */
  since(seq: number): SeriesPoint[] {
    return this.points.since(seq).map((p) => p.item);
  }

  /** The totals the first point's calls are counted from. */
  baseline(totals: UpstreamTotals): void {
    this.previous ??= totals;
  }

  /**
   * Closes the second starting at `t`: the requests counted in it, and the calls since the last
   * reading of the totals (none are invented before the first reading).
   */
  add(t: number, requests: Record<TokenClass, number>, totals: UpstreamTotals | undefined): SeriesPoint {
    const previous = this.previous;
    if (totals) this.previous = totals;
    const calls =
      totals && previous
        ? {
            ok: Math.max(0, totals.ok - previous.ok),
            failed: Math.max(0, totals.failed - previous.failed),
            buckets: bucketDelta(previous.buckets, totals.buckets),
          }
        : undefined;
    const ms = (q: number) => {
      const seconds = calls && histogramQuantile(q, calls.buckets);
      return seconds === undefined ? null : Math.round(seconds * 10_000) / 10;
    };
    const point: SeriesPoint = {
      t,
      success: requests.success,
      protocol: requests.protocol,
      upstream: requests.upstream,
      callsOk: calls?.ok ?? 0,
      callsFailed: calls?.failed ?? 0,
      p50: ms(0.5),
      p99: ms(0.99),
    };
    this.points.push(point);
    return point;
  }
}
