import { LRUCache } from "lru-cache";
import type { Logger } from "pino";
import { waitAtMost } from "../common/deadline.js";
import {
  type DeliveryResult,
  type IdStore,
  WEBHOOK_RETENTION_MS,
  type WebhookDelivery,
  type WebhookOutcome,
} from "../store/id-store.js";
import { retryDelayMs } from "./backoff.js";
import type { WebhookDirectory, WebhookTarget } from "./directory.js";
import type { NewDelivery } from "./payload.js";
import { type PostOptions, postWebhook, type SendResult } from "./sender.js";
import { signWebhook } from "./signature.js";

export interface DispatcherSettings {
  /** WEBHOOK_TIMEOUT_MS */
  timeoutMs: number;
  /** WEBHOOK_RETRY_S: seconds before each retry; given up after the last */
  retryS: readonly number[];
  /** WEBHOOK_CONCURRENCY: attempts in flight per receiver (host and port) in this process */
  perReceiver: number;
  /** how often the outbox is looked at when nothing nudged (default 500 ms) */
  pollMs?: number;
  /** attempts in flight in this process (default 64) */
  maxInFlight?: number;
}

export interface DispatcherOptions {
  ids: Pick<IdStore, "enqueueWebhook" | "claimWebhooks" | "finishWebhook" | "pruneWebhooks">;
  directory: WebhookDirectory;
  /** this process (its claims carry it; the orphan settler's heartbeat keeps it alive) */
  instance: string;
  settings: DispatcherSettings;
  log: Logger;
  /** how each attempt ended, with the delivery it was (owner, payload, attempts made) */
  onResult?: (
    result: DeliveryResult,
    delivery: Pick<WebhookDelivery, "owner" | "payload" | "attempts">,
  ) => void;
  /** the HTTP POST (tests replace it) */
  post?: (url: string, opts: PostOptions) => Promise<SendResult>;
  now?: () => number;
  /** for the retry jitter */
  random?: () => number;
}

const PRUNE_EVERY_MS = 10 * 60_000;
/** Deliveries waiting to be written to the outbox after a store failure, at most. */
const MAX_UNWRITTEN = 10_000;
/** How long stop() lets attempts in flight finish before aborting them. */
const STOP_GRACE_MS = 2000;

/**
 * Delivers the webhook outbox (docs/legacy-protocol.md §8). Each delivery is written to the store
 * before its first attempt; rounds claim due deliveries (the oldest pending one per activation, so
 * an activation's deliveries go out in order), each claim a lease that lapses if this process dies.
 * An attempt is a signed POST; a 2xx within the timeout delivers it, anything else is retried after
 * the schedule's next wait, and given up after the last. The receiver and secret are looked up at
 * each attempt: an owner without a webhook now (key revoked, webhook removed) has its deliveries
 * dropped. At most `perReceiver` attempts per receiver are in flight here, so a slow receiver holds
 * up no other; none of this runs on a request's path.
 */
export class WebhookDispatcher {
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly post: (url: string, opts: PostOptions) => Promise<SendResult>;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly perReceiver = new Map<string, number>();
  /** the receiver each owner was last sent to: owners of a busy receiver are not claimed */
  private readonly receiverOfOwner = new LRUCache<string, string>({ max: 10_000 });
  private readonly unwritten = new Map<string, NewDelivery>();
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private lastPruneAt = Number.NEGATIVE_INFINITY;
  private storeFailing = false;

  constructor(private readonly opts: DispatcherOptions) {
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.post = opts.post ?? postWebhook;
  }

  private get pollMs(): number {
    return this.opts.settings.pollMs ?? 500;
  }

  /** A claim outlives an attempt (its timeout) with room for a busy machine. */
  private get leaseMs(): number {
    return 2 * this.opts.settings.timeoutMs + 10_000;
  }

  start(): void {
    this.nudge();
  }

  /** Writes a delivery to the outbox (idempotent), then delivers it; a store failure is retried. */
  enqueue(delivery: NewDelivery): void {
    if (this.stopped) return;
    if (this.unwritten.size >= MAX_UNWRITTEN) {
      this.opts.log.error(
        { deliveryId: delivery.deliveryId },
        "webhook outbox unreachable: delivery not written",
      );
      this.opts.onResult?.("dropped", { ...delivery, attempts: 0 });
      return;
    }
    this.unwritten.set(delivery.deliveryId, delivery);
    this.nudge();
  }

  /** Something may be due now (a delivery was written, an attempt ended). */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  /** Stops claiming; attempts in flight get a moment to finish, then are cut (their claims lapse). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    const pending = [...this.inFlight.values()];
    await waitAtMost(Promise.allSettled(pending), STOP_GRACE_MS);
    this.abort.abort();
    await Promise.allSettled(pending);
  }

  /** One pass: writes what is unwritten, claims what is due, starts its attempts. Never overlaps itself. */
  async round(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.roundOnce()
      .catch((err: unknown) => {
        if (!this.storeFailing) this.opts.log.warn({ err: String(err) }, "webhook round failed");
        this.storeFailing = true;
      })
      .finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.schedule(0);
        } else {
          this.schedule(this.pollMs);
        }
      });
    return this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.round(), delayMs);
    this.timer.unref();
  }

  private async roundOnce(): Promise<void> {
    const { ids, settings } = this.opts;
    for (const [id, delivery] of this.unwritten) {
      await ids.enqueueWebhook(delivery);
      this.unwritten.delete(id);
    }
    const capacity = (settings.maxInFlight ?? 64) - this.inFlight.size;
    if (capacity > 0) {
      const claimed = await ids.claimWebhooks({
        instance: this.opts.instance,
        now: this.now(),
        leaseMs: this.leaseMs,
        limit: capacity,
        skipOwners: this.busyOwners(),
      });
      for (const delivery of claimed) await this.take(delivery);
    }
    this.storeFailing = false;
    if (this.now() - this.lastPruneAt >= PRUNE_EVERY_MS) {
      this.lastPruneAt = this.now();
      await ids.pruneWebhooks(this.now() - WEBHOOK_RETENTION_MS);
    }
  }

  /** Owners whose receiver has all its attempts in flight here. */
  private busyOwners(): string[] {
    const busy: string[] = [];
    for (const [owner, receiver] of this.receiverOfOwner.entries()) {
      if ((this.perReceiver.get(receiver) ?? 0) >= this.opts.settings.perReceiver) busy.push(owner);
    }
    return busy;
  }

  private async take(delivery: WebhookDelivery): Promise<void> {
    // our own claim, re-taken after its lease ran out mid-attempt: that attempt goes on
    if (this.inFlight.has(delivery.deliveryId)) return;
    const target = this.opts.directory.targetOf(delivery.owner);
    if (!target) {
      await this.finish(delivery, { state: "dropped", attempts: delivery.attempts });
      this.opts.log.info({ deliveryId: delivery.deliveryId }, "webhook dropped: its key has no webhook now");
      this.opts.onResult?.("dropped", delivery);
      return;
    }
    const receiver = receiverOf(target.url);
    this.receiverOfOwner.set(delivery.owner, receiver);
    const busy = this.perReceiver.get(receiver) ?? 0;
    if (busy >= this.opts.settings.perReceiver) {
      await this.finish(delivery, { state: "released" });
      return;
    }
    this.perReceiver.set(receiver, busy + 1);
    const attempt = this.attempt(delivery, target, receiver)
      .catch((err: unknown) => {
        // the outcome could not be recorded: the claim lapses and the delivery is attempted again
        this.opts.log.warn(
          { deliveryId: delivery.deliveryId, err: String(err) },
          "webhook outcome not recorded",
        );
      })
      .finally(() => {
        this.inFlight.delete(delivery.deliveryId);
        const left = (this.perReceiver.get(receiver) ?? 1) - 1;
        if (left > 0) this.perReceiver.set(receiver, left);
        else this.perReceiver.delete(receiver);
        this.nudge();
      });
    this.inFlight.set(delivery.deliveryId, attempt);
  }

  private async attempt(delivery: WebhookDelivery, target: WebhookTarget, receiver: string): Promise<void> {
    const { settings, log } = this.opts;
    const started = this.now();
    const timestamp = Math.floor(started / 1000);
    const result = await this.post(target.url, {
      headers: {
        "content-type": "application/json",
        "user-agent": "smsactivate-gateway-webhooks/1",
        "x-webhook-id": delivery.deliveryId,
        "x-webhook-timestamp": String(timestamp),
        "x-webhook-signature": signWebhook(target.secret, timestamp, delivery.payload),
      },
      body: delivery.payload,
      timeoutMs: settings.timeoutMs,
      signal: this.abort.signal,
    });
    if (this.abort.signal.aborted && !result.ok) return; // shutting down: the claim lapses
    const attempts = delivery.attempts + 1;
    const facts = {
      deliveryId: delivery.deliveryId,
      host: receiver,
      attempt: attempts,
      ms: this.now() - started,
    };
    if (result.ok) {
      await this.finish(delivery, { state: "delivered", attempts });
      log.info(facts, "webhook delivered");
      this.opts.onResult?.("delivered", { ...delivery, attempts });
      return;
    }
    const delay = retryDelayMs(settings.retryS, attempts, this.random);
    if (delay === undefined) {
      await this.finish(delivery, { state: "given_up", attempts });
      log.warn({ ...facts, reason: result.reason }, "webhook given up");
      this.opts.onResult?.("given_up", { ...delivery, attempts });
      return;
    }
    await this.finish(delivery, { state: "retry", attempts, nextAt: this.now() + delay });
    log.info(
      { ...facts, reason: result.reason, retryInS: Math.round(delay / 1000) },
      "webhook attempt failed",
    );
    this.opts.onResult?.("retried", { ...delivery, attempts });
  }

  private finish(delivery: WebhookDelivery, outcome: WebhookOutcome): Promise<boolean> {
    return this.opts.ids.finishWebhook(delivery.deliveryId, this.opts.instance, outcome, this.now());
  }
}

/** A receiver is its host and port: the unit of concurrency, and all a log line shows of it. */
function receiverOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "?";
  }
}
