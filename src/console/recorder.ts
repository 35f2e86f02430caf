import type { ActivationEvent, GatewayEvents, LegacyRequestEvent } from "../events.js";
import type { ActivationBoard } from "./activation-board.js";
import type { KeysSeen } from "./keys-seen.js";
import { Ring } from "./ring.js";
import { type TokenClass, tokenClass } from "./token-class.js";

/** The last this many legacy requests are kept for the console. */
export const REQUEST_RING = 1000;

/**
 * Records what the gateway tells its observers while the console is enabled. On the request path
 * it only pushes the event into a ring (and keeps the newest state of each activation); `fold()`,
 * run a few times a second off the request path, turns that into the per-key figures, the
 * activation board and the request counts of the current second. The ring is folded before it
 * would overwrite an event not folded yet, so no request escapes the counts.
 */
export class TrafficRecorder {
  readonly requests = new Ring<LegacyRequestEvent>(REQUEST_RING);
  private readonly pending = new Map<number, ActivationEvent>();
  private folded = 0;
  private counts: Record<TokenClass, number> = { success: 0, protocol: 0, upstream: 0 };
  private unsubscribe: (() => void)[] = [];

  constructor(
    private readonly events: GatewayEvents,
    private readonly keys: KeysSeen,
    private readonly board: ActivationBoard,
  ) {}

  start(): void {
    if (this.unsubscribe.length > 0) return;
    this.unsubscribe = [
      this.events.on("request", (event) => {
        this.requests.push(event);
        if (this.requests.seq - this.folded >= REQUEST_RING) this.foldRequests();
      }),
      this.events.on("activation", (event) => {
        this.pending.set(event.numericId, event);
      }),
    ];
  }

  stop(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }

  /** Folds what was recorded since the last fold. */
  fold(): void {
    this.foldRequests();
    if (this.pending.size === 0) return;
    const events = [...this.pending.values()];
    this.pending.clear();
    for (const event of events) this.board.apply(event);
  }

  /** The requests folded since the last call, by token class (the current second's point). */
  takeCounts(): Record<TokenClass, number> {
    const counts = this.counts;
    this.counts = { success: 0, protocol: 0, upstream: 0 };
    return counts;
  }

  private foldRequests(): void {
    for (const { item } of this.requests.since(this.folded)) {
      this.counts[tokenClass(item.token, item.answer)] += 1;
      this.keys.sawRequest(item.owner, item.who, item.calls.length);
    }
    this.folded = this.requests.seq;
  }
}
