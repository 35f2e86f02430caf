/** Per-key fixed one-second windows. */
export class RateLimiter {
  private readonly windows = new Map<string, { second: number; count: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number,
  ) {}

  /** Counts a request; returns the seconds to wait (for `Retry-After`) when over the limit, else 0. */
  take(key: string): number {
    const nowMs = this.now();
    const second = Math.floor(nowMs / 1000);
    const window = this.windows.get(key);
    if (!window || window.second !== second) {
      if (this.windows.size > 10_000) this.windows.clear();
      this.windows.set(key, { second, count: 1 });
      return 0;
    }
    window.count += 1;
    if (window.count <= this.perSecond) return 0;
    return Math.max(1, Math.ceil(((second + 1) * 1000 - nowMs) / 1000));
  }
}
