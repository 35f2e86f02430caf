import type { Logger } from "pino";
import type { GatewayEvents } from "../events.js";
import type { CountryTable } from "../mapping/countries.js";
import type { IdStore } from "../store/id-store.js";
import type { ActivationTracker } from "../tracker/tracker.js";
import type { WebhookDirectory } from "./directory.js";
import { type DispatcherOptions, type DispatcherSettings, WebhookDispatcher } from "./dispatcher.js";
import { WebhookSource } from "./source.js";

export interface WebhooksWiring {
  ids: IdStore;
  events: GatewayEvents;
  directory: WebhookDirectory;
  countries: CountryTable;
  /** undefined with TRACK_INTERVAL_MS=0: webhooks then fire only from what polls learn */
  tracker?: Pick<ActivationTracker, "pin"> | undefined;
  /** the upstream key behind an owner (seen recently, or from the keys file), to pin its activations */
  upstreamKeyOf: (owner: string) => string | undefined;
  instance: string;
  settings: DispatcherSettings;
  log: Logger;
  onResult?: DispatcherOptions["onResult"];
}

export interface RunningWebhooks {
  dispatcher: WebhookDispatcher;
  close(): Promise<void>;
}

/**
 * Webhooks as a whole (docs/legacy-protocol.md §8): the source listens to activation events while
 * any owner can have a webhook; the dispatcher always runs, so that deliveries left in the outbox
 * are delivered, or dropped when their webhook is gone.
 */
export function startWebhooks(w: WebhooksWiring): RunningWebhooks {
  const dispatcher = new WebhookDispatcher({
    ids: w.ids,
    directory: w.directory,
    instance: w.instance,
    settings: w.settings,
    log: w.log,
    ...(w.onResult && { onResult: w.onResult }),
  });
  const { tracker } = w;
  const source = new WebhookSource({
    events: w.events,
    directory: w.directory,
    countries: w.countries,
    enqueue: (delivery) => dispatcher.enqueue(delivery),
    pin:
      tracker &&
      ((owner, activation, until) => {
        const key = w.upstreamKeyOf(owner);
        if (key === undefined) return false;
        tracker.pin(key, activation.id, until).catch((err: unknown) => {
          w.log.debug({ err: String(err) }, "tracker pin failed");
        });
        return true;
      }),
  });
  const unsubscribe = w.directory.enabled ? source.start() : () => undefined;
  dispatcher.start();
  return {
    dispatcher,
    async close() {
      unsubscribe();
      await dispatcher.stop();
    },
  };
}
