import { LRUCache } from "lru-cache";
import type { ActivationEvent, GatewayEvents } from "../events.js";
import type { CountryTable } from "../mapping/countries.js";
import { WEBHOOK_RETENTION_MS } from "../store/id-store.js";
import { isTerminal } from "../tracker/tracker.js";
import type { Activation } from "../upstream/schemas.js";
import type { WebhookDirectory } from "./directory.js";
import { deliveryOf, type NewDelivery, receivedAtMs } from "./payload.js";

/** A pinned activation is refreshed until it expires, and this long after (clocks differ). */
const PIN_MARGIN_MS = 60_000;
/** When the upstream gives no expiry: SMS-Activate's activation window, 20 minutes. */
const DEFAULT_WINDOW_MS = 20 * 60_000;

export interface WebhookSourceOptions {
  events: GatewayEvents;
  directory: WebhookDirectory;
  countries: CountryTable;
  /** the outbox writer (the dispatcher) */
  enqueue: (delivery: NewDelivery) => void;
  /**
   * keeps the tracker refreshing a live activation of an owner with a webhook until `until`,
   * polled or not; false when it cannot (the owner's upstream key is not known here yet); absent
   * with the tracker off (TRACK_INTERVAL_MS=0)
   */
  pin?: ((owner: string, activation: Activation, until: number) => boolean) | undefined;
  now?: () => number;
}

/**
 * Turns what the gateway learns of activations (GatewayEvents `activation`: tracker refreshes,
 * polls, writes, purchases, listings) into webhook deliveries (docs/legacy-protocol.md §8): when
 * an activation of an owner with a webhook shows a code not seen before, its delivery goes to the
 * outbox; while such an activation is live, the tracker is asked to keep refreshing it.
 */
export class WebhookSource {
  private readonly now: () => number;
  /** deliveries this process handed to the outbox already: a poll's repeated state costs nothing */
  private readonly seen = new LRUCache<string, true>({ max: 50_000 });
  private readonly pinned = new LRUCache<string, true>({ max: 50_000 });

  constructor(private readonly opts: WebhookSourceOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Subscribes; returns the unsubscribe function. */
  start(): () => void {
    return this.opts.events.on("activation", (event) => this.observe(event));
  }

  observe(event: ActivationEvent): void {
    if (event.product !== undefined || !this.opts.directory.targetOf(event.owner)) return;
    const { activation } = event;
    if (this.opts.pin && !isTerminal(activation) && !this.pinned.has(activation.id)) {
      const expires = activation.expiresAt ? Date.parse(activation.expiresAt) : Number.NaN;
      const until = (Number.isNaN(expires) ? this.now() + DEFAULT_WINDOW_MS : expires) + PIN_MARGIN_MS;
      if (this.opts.pin(event.owner, activation, until)) this.pinned.set(activation.id, true);
    }
    const delivery = deliveryOf(event, this.opts.countries);
    if (!delivery || this.seen.has(delivery.deliveryId)) return;
    this.seen.set(delivery.deliveryId, true);
    // the outbox remembers a delivery for WEBHOOK_RETENTION_MS: nothing older is enqueued again
    if (this.now() - receivedAtMs(event) > WEBHOOK_RETENTION_MS / 2) return;
    this.opts.enqueue(delivery);
  }
}
