import type { TrafficRecorder } from "./recorder.js";
import type { Series, UpstreamTotals } from "./series.js";

/**
 * Folds the recorder four times a second (the console's panels are at most that far behind) and
 * closes a chart point at each new second. Its timer does not keep the process alive.
 */
export class Ticker {
  private timer: NodeJS.Timeout | undefined;
  private second = 0;
  private busy = false;

  constructor(
    private readonly recorder: TrafficRecorder,
    private readonly series: Series,
    private readonly readTotals: (() => Promise<UpstreamTotals>) | undefined,
    private readonly now: () => number = Date.now,
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    if (this.timer) return;
    this.second = Math.floor(this.now() / 1000);
    void this.readTotals?.().then(
      (totals) => this.series.baseline(totals),
      () => undefined,
    );
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      this.recorder.fold();
      const second = Math.floor(this.now() / 1000);
      if (second <= this.second) return;
      const counts = this.recorder.takeCounts();
      const totals = await this.readTotals?.().catch(() => undefined);
      this.series.add(this.second * 1000, counts, totals);
      this.second = second;
    } finally {
      this.busy = false;
    }
  }
}
