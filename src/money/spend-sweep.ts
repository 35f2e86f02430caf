import type { Logger } from "pino";
import type { IdStore } from "../store/id-store.js";
import type { SpendLedger } from "../store/spend-ledger.js";
import { UpstreamError } from "../upstream/errors.js";
import type { KeyRing } from "./key-ring.js";
import type { MoneyUpstream } from "./product-line.js";

const REFUNDED = new Set(["CANCELLED", "EXPIRED", "REFUNDED"]);
const ENDED = new Set([...REFUNDED, "COMPLETED"]);

export interface SpendSweepOptions {
  ledger: SpendLedger;
  ids: Pick<IdStore, "recordOfUpstream">;
  upstream: Pick<MoneyUpstream, "getActivation" | "getEmailActivation">;
  keyRing: KeyRing;
  log: Logger;
  /** how often, and how old a charge must be before it is read (default 60 s each) */
  everyMs?: number;
  /** at most this many reads per sweep */
  batch?: number;
}

/**
 * Ends the ledger entries of activations that ended while nobody looked (not polled, no longer
 * tracked): an expiry's refund would otherwise never come back to a limited key's budget. Reads
 * each charged activation older than a minute once per sweep, in the background.
 */
export class SpendSweep {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(private readonly opts: SpendSweepOptions) {}

  start(): void {
    const every = this.opts.everyMs ?? 60_000;
    this.timer = setInterval(() => void this.sweep(), every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One sweep; answers how many entries it ended. */
  sweep(now = Date.now()): Promise<number> {
    this.running ??= this.sweepOnce(now).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async sweepOnce(now: number): Promise<number> {
    const { ledger, ids, upstream, keyRing, log } = this.opts;
    let ended = 0;
    const charged = await ledger.charged(now - (this.opts.everyMs ?? 60_000), this.opts.batch ?? 200);
    for (const { upstreamId, owner } of charged) {
      const key = keyRing.keyOf(owner);
      if (!key) continue;
      try {
        const record = await ids.recordOfUpstream(upstreamId);
        const read =
          record?.product === "email"
            ? upstream.getEmailActivation(key, upstreamId, { priority: "background" })
            : upstream.getActivation(key, upstreamId, { priority: "background" });
        const { status } = await read;
        if (!ENDED.has(status)) continue;
        await ledger.end(upstreamId, REFUNDED.has(status));
        ended += 1;
      } catch (err) {
        if (err instanceof UpstreamError && err.kind === "rate_limited") break;
        log.debug({ err: String(err) }, "spend sweep: an activation could not be read");
      }
    }
    return ended;
  }
}
