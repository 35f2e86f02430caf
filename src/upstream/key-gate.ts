/**
 * Per-key manners toward the upstream: after a 429 the key waits out `Retry-After` (calls fail fast
 * as rate limited instead of hammering the upstream), and at most `maxConcurrent` calls per key are
 * in flight; further calls queue (bounded) for a slot, writes ahead of reads.
 */
export interface KeyGateOptions {
  maxConcurrent: number;
  maxQueued: number;
  now?: () => number;
}

interface Lane {
  active: number;
  /** writes waiting for a slot: served before `waiting` */
  firsts: (() => void)[];
  waiting: (() => void)[];
  blockedUntil: number;
}

export class KeyGate {
  private readonly lanes = new Map<string, Lane>();
  private readonly now: () => number;

  constructor(private readonly opts: KeyGateOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** ms left before this key may call again after a 429, or 0. */
  blockedFor(keyId: string): number {
    const lane = this.lanes.get(keyId);
    return lane ? Math.max(0, lane.blockedUntil - this.now()) : 0;
  }

  block(keyId: string, seconds: number): void {
    const lane = this.lane(keyId);
    lane.blockedUntil = Math.max(lane.blockedUntil, this.now() + seconds * 1000);
  }

  /**
   * Resolves with a release function, or false when the queue for this key is full. `first`: a
   * write, queued ahead of the reads waiting for this key.
   */
  async acquire(keyId: string, first = false): Promise<(() => void) | false> {
    const lane = this.lane(keyId);
    if (lane.active < this.opts.maxConcurrent) {
      lane.active += 1;
    } else {
      if (lane.waiting.length + lane.firsts.length >= this.opts.maxQueued) return false;
      // The releasing call hands its slot over directly, so `active` never exceeds the cap.
      await new Promise<void>((resolve) => (first ? lane.firsts : lane.waiting).push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = lane.firsts.shift() ?? lane.waiting.shift();
      if (next) return next();
      lane.active -= 1;
      if (lane.active === 0 && lane.blockedUntil <= this.now()) this.lanes.delete(keyId);
    };
  }

  private lane(keyId: string): Lane {
    let lane = this.lanes.get(keyId);
    if (!lane) {
      lane = { active: 0, firsts: [], waiting: [], blockedUntil: 0 };
      this.lanes.set(keyId, lane);
    }
    return lane;
  }
}
