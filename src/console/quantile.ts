/**
 * A quantile of observations counted in cumulative histogram buckets (`le` upper bounds, counts of
 * observations ≤ le, ascending, the last possibly +Inf), interpolated linearly inside the bucket
 * it falls in, as Prometheus's histogram_quantile does. Undefined without observations; a quantile
 * in the +Inf bucket is the highest finite bound.
 */
export interface Bucket {
  le: number;
  count: number;
}

export function histogramQuantile(q: number, buckets: readonly Bucket[]): number | undefined {
  const total = buckets.at(-1)?.count ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const { le, count } of buckets) {
    if (count >= rank && count > lowerCount) {
      if (!Number.isFinite(le)) return lowerBound;
      return lowerBound + ((le - lowerBound) * (rank - lowerCount)) / (count - lowerCount);
    }
    if (Number.isFinite(le)) lowerBound = le;
    lowerCount = count;
  }
  return lowerBound;
}

/** Cumulative buckets of what was observed between two readings of the same histogram. */
export function bucketDelta(before: readonly Bucket[], after: readonly Bucket[]): Bucket[] {
  return after.map((b, i) => ({ le: b.le, count: Math.max(0, b.count - (before[i]?.count ?? 0)) }));
}
