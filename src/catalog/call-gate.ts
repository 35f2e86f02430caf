/**
 * Bounds the upstream calls a background job makes: at most `concurrency` at once and at most
 * `ratePerS` started per second (a token bucket holding one second's worth, so a burst of that
 * size may start at once). Calls wait in FIFO order.
 */
export class CallGate {
  private active = 0;
  private tokens: number;
  private refilledAt: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly queue: (() => void)[] = [];
  private readonly capacity: number;

  constructor(
    private readonly concurrency: number,
    private readonly ratePerS: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(concurrency >= 1) || !(ratePerS > 0))
      throw new RangeError("CallGate needs concurrency ≥ 1 and rate > 0");
    this.capacity = Math.max(1, ratePerS);
    this.tokens = this.capacity;
    this.refilledAt = now();
  }

  async run<T>(call: () => Promise<T>): Promise<T> {
    await new Promise<void>((resolve) => {
      this.queue.push(resolve);
      this.pump();
    });
    try {
      return await call();
    } finally {
      this.active -= 1;
      this.pump();
    }
  }

  /** Calls waiting for a slot or a token. */
  get waiting(): number {
    return this.queue.length;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) * this.ratePerS) / 1000);
    this.refilledAt = now;
  }

  private pump(): void {
    this.refill();
    while (this.queue.length > 0 && this.active < this.concurrency && this.tokens >= 1) {
      this.tokens -= 1;
      this.active += 1;
      this.queue.shift()!();
    }
    if (this.queue.length > 0 && this.active < this.concurrency && this.timer === undefined) {
      const waitMs = Math.ceil(((1 - this.tokens) * 1000) / this.ratePerS);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, waitMs);
      // A queued call keeps its caller's promise pending; the timer alone must not keep a process alive.
      this.timer.unref();
    }
  }
}
