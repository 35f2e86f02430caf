import type { SpendLimits } from "../common/spend-limits.js";
import type { GatewayEvents } from "../events.js";
import type { CountryTable } from "../mapping/countries.js";
import { ActivationBoard, type BoardEntry } from "./activation-board.js";
import { KeysSeen } from "./keys-seen.js";
import { TrafficRecorder } from "./recorder.js";
import { Series } from "./series.js";
import type { TokenClass } from "./token-class.js";
import {
  type ActivationRow,
  activationRow,
  type ConsoleStats,
  type RequestRow,
  requestRow,
} from "./views.js";

export interface ConsoleDataOptions {
  events: GatewayEvents;
  countries: CountryTable;
  /** code → name of the upstream's services (the catalogue's cached list) */
  serviceNames: () => Promise<ReadonlyMap<string, string>>;
  /** the webhook delivery state of an activation; the column stays empty without it */
  webhookState?: ((owner: string, numericId: number) => string | undefined) | undefined;
  /** a key's spend limits, by owner hash (the keys panel shows them) */
  limitsOf?: ((owner: string) => SpendLimits | undefined) | undefined;
  now?: () => number;
}

export interface RequestFilter {
  /** a key's `who` or `key` reference */
  key?: string | undefined;
  action?: string | undefined;
  class?: TokenClass | undefined;
  /** only requests numbered above this */
  after?: number | undefined;
  limit?: number | undefined;
}

/** Everything the console holds and how it reads as rows: what the data API and the stream share. */
export class ConsoleData {
  readonly keys: KeysSeen;
  readonly board: ActivationBoard;
  readonly recorder: TrafficRecorder;
  readonly series = new Series();

  constructor(private readonly opts: ConsoleDataOptions) {
    this.keys = new KeysSeen(opts.now, opts.limitsOf);
    this.board = new ActivationBoard(this.keys, undefined, opts.now);
    this.recorder = new TrafficRecorder(opts.events, this.keys, this.board);
  }

  /** Requests matching the filter, newest first. */
  requests(filter: RequestFilter = {}): RequestRow[] {
    const rows: RequestRow[] = [];
    const held = this.recorder.requests.since(filter.after ?? 0);
    const limit = filter.limit ?? held.length;
    for (let i = held.length - 1; i >= 0 && rows.length < limit; i--) {
      const { seq, item } = held[i]!;
      const row = requestRow(seq, item, this.keys);
      if (filter.key && row.who !== filter.key && row.key !== filter.key) continue;
      if (filter.action && row.action !== filter.action) continue;
      if (filter.class && row.class !== filter.class) continue;
      rows.push(row);
    }
    return rows;
  }

  async activations(entries: readonly BoardEntry[] = this.board.all()): Promise<ActivationRow[]> {
    const serviceNames = await this.opts.serviceNames().catch(() => new Map<string, string>());
    const deps = {
      keys: this.keys,
      countries: this.opts.countries,
      serviceNames,
      webhookState: this.opts.webhookState,
    };
    return entries.map((entry) => activationRow(entry, deps));
  }

  stats(): ConsoleStats {
    return { series: this.series.all(), keys: this.keys.rows() };
  }
}
