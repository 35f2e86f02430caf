import type { UpstreamCallRecord } from "./common/request-scope.js";
import type { Activation } from "./upstream/schemas.js";

/**
 * What the gateway tells observers (the console, webhooks) about its traffic and the activations
 * it learns of. Emitting costs nothing while nobody listens. No event carries an api key: owners are
 * key hashes, parameters come without `api_key`.
 */
export interface LegacyRequestEvent {
  at: number;
  reqId: string;
  /** hash of the presented key ("" without one) */
  owner: string;
  /** the label of the presented gateway key (KEYS_FILE), when it has one */
  who?: string | undefined;
  action: string | undefined;
  /** the request's parameters, `api_key` removed */
  params: Record<string, string>;
  /** native calls it made */
  calls: UpstreamCallRecord[];
  /** where an answer that made no call came from (`tracker`, `cache`) */
  source?: string | undefined;
  /** a native call the gateway refused to send itself (`rate limited`, `breaker open`) */
  refused?: string | undefined;
  /** the answer's token word (`ACCESS_NUMBER`, `JSON`, …) */
  token: string;
  /** the answer body (JSON bodies shortened) */
  answer: string;
  ms: number;
  cause?: string | undefined;
}

export interface ActivationEvent {
  at: number;
  owner: string;
  numericId: number;
  /** the legacy country id it was bought with, when known */
  countryId?: number | undefined;
  /**
   * `"email"`: a mailbox, shown as an activation (`phoneNumber` its address, `serviceCode` its
   * site, `smsCode` its code); only the console shows these, webhooks push SMS codes only
   */
  product?: "email" | undefined;
  activation: Activation;
}

interface EventMap {
  request: LegacyRequestEvent;
  activation: ActivationEvent;
}

export class GatewayEvents {
  private readonly listeners: { [K in keyof EventMap]: ((event: EventMap[K]) => void)[] } = {
    request: [],
    activation: [],
  };

  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof EventMap>(type: K, listener: (event: EventMap[K]) => void): () => void {
    this.listeners[type].push(listener);
    return () => {
      const list = this.listeners[type];
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
    };
  }

  listening(type: keyof EventMap): boolean {
    return this.listeners[type].length > 0;
  }

  /** Tells every listener; a listener that throws does not stop the others or the caller. */
  emit<K extends keyof EventMap>(type: K, event: EventMap[K]): void {
    for (const listener of this.listeners[type]) {
      try {
        listener(event);
      } catch {
        // an observer's failure is its own
      }
    }
  }
}
