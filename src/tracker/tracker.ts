import type { Logger } from "pino";
import type { UpstreamClient } from "../upstream/client.js";
import { UpstreamError } from "../upstream/errors.js";
import { newestPerId, PAGE_SIZE } from "../upstream/paging.js";
import type { Activation } from "../upstream/schemas.js";
import type { Listing, Tracked, TrackerStore } from "./store.js";

/** Statuses after which an activation never changes: read once, kept, never read again. */
const TERMINAL = new Set(["COMPLETED", "CANCELLED", "EXPIRED", "REFUNDED"]);
/** The live list the refresher reads. */
const LIVE = ["WAITING", "RECEIVED"];
/**
 * A poll re-touches an activation at most this often: the touch only keeps it inside TRACK_IDLE_S,
 * and a store write per poll would be waste (with Redis, a round trip).
 */
const TOUCH_FRACTION_OF_IDLE = 0.1;

export const isTerminal = (a: Pick<Activation, "status">) => TERMINAL.has(a.status);

export interface TrackerSettings {
  /** TRACK_INTERVAL_MS: one list call per key per interval */
  intervalMs: number;
  /** TRACK_IDLE_S: an activation nobody polled (or bought) for this long is no longer refreshed */
  idleMs: number;
  /** TRACK_STALE_S: a state older than this is read again before it is answered */
  staleMs: number;
  /** TRACK_MAX_PAGES */
  maxPages: number;
}

/** One refresh of one key, for metrics. */
export interface RefreshReport {
  ms: number;
  pages: number;
  /** live activations tracked for the key */
  live: number;
  outcome: "ok" | "failed" | "skipped";
}

export interface TrackerOptions {
  store: TrackerStore;
  upstream: Pick<UpstreamClient, "listActivations" | "getActivation">;
  /** a stable, non-secret id of an upstream key (its hash) */
  keyIdOf: (key: string) => string;
  /** this process (holds a key's refresh lease with replicas) */
  instance: string;
  settings: TrackerSettings;
  log: Logger;
  /** a new state replaced an older one (or was first seen): the webhooks' event source */
  onChange?: (keyId: string, previous: Activation | undefined, current: Activation) => void;
  onRefresh?: (report: RefreshReport) => void;
  /** the age of a state when a poll was answered from it */
  onAnswerAge?: (ms: number) => void;
  now?: () => number;
}

interface KnownKey {
  /** the upstream key itself, in memory only: the refresher calls the upstream with it */
  key: string;
  touchedAt: number;
  /** someone listed the key's live activations: keep its listing fresh and complete */
  listedAt: number;
  refreshing?: Promise<void> | undefined;
  /** after a 429: no refresh before this */
  waitUntil: number;
  /** some of its activations are pinned until this time (webhooks): refreshed, polled or not */
  pinnedUntil: number;
}

/**
 * The activation tracker: per upstream key with live activations polled or bought through the
 * gateway in the last TRACK_IDLE_S, one refresher reads the live list every TRACK_INTERVAL_MS
 * (following `nextCursor` only until every tracked id was seen), so polls are answered from the
 * tracked state without an upstream call of their own. A tracked activation missing from the list
 * has left it: it is read once for its final state, which is kept and never read again. With
 * replicas (Redis), one replica at a time refreshes a key (a lease) and all answer from the shared
 * state. See docs/architecture.md, "The activation tracker".
 */
export class ActivationTracker {
  private readonly keys = new Map<string, KnownKey>();
  /** live activations per key, as of its last refresh */
  private readonly liveCounts = new Map<string, number>();
  private readonly lastTouch = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: TrackerOptions) {
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.opts.settings.intervalMs);
    this.timer.unref();
  }

  /** Stops refreshing, waits for refreshes in flight, closes the store. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled([...this.keys.values()].map((k) => k.refreshing));
    await this.opts.store.close();
  }

  /** How many keys are refreshed, and how many live activations they had at their last refresh. */
  sizes(): { keys: number; live: number } {
    let live = 0;
    for (const n of this.liveCounts.values()) live += n;
    return { keys: this.keys.size, live };
  }

  /**
   * An activation's state for a poll: the tracked one while it is fresh enough, else read once
   * (first sight, or a state older than TRACK_STALE_S) with `read` and tracked from then on.
   */
  async state(
    key: string,
    upstreamId: string,
    read: (key: string, upstreamId: string) => Promise<Activation>,
  ): Promise<{ activation: Activation; fromTracker: boolean }> {
    const keyId = this.know(key);
    await this.touch(keyId, upstreamId);
    const tracked = await this.opts.store.get(keyId, upstreamId);
    if (
      tracked &&
      (isTerminal(tracked.activation) || this.now() - tracked.seenAt <= this.opts.settings.staleMs)
    ) {
      this.opts.onAnswerAge?.(this.now() - tracked.seenAt);
      return { activation: tracked.activation, fromTracker: true };
    }
    const activation = await read(key, upstreamId);
    await this.record(keyId, [{ activation, seenAt: this.now() }]);
    return { activation, fromTracker: false };
  }

  /**
   * A state the gateway was just given (a purchase's answer, a write's): kept and tracked at once,
   * and shown by the key's cached live listing (a number just bought is listed, a cancelled one
   * is not), which may be up to two intervals older than it.
   */
  async remember(key: string, activation: Activation): Promise<void> {
    const keyId = this.know(key);
    await this.touch(keyId, activation.id, true);
    await this.record(keyId, [{ activation, seenAt: this.now() }]);
    await this.amendListing(keyId, activation);
  }

  /**
   * The key's live activations from the refresher, when its last listing is complete and at most
   * two intervals old; undefined otherwise (the caller lists, and hands the result to `listed`).
   * Either way the key's listing is kept fresh from now on, for TRACK_IDLE_S.
   */
  async liveListing(key: string): Promise<Activation[] | undefined> {
    const keyId = this.know(key);
    this.keys.get(keyId)!.listedAt = this.now();
    const listing = await this.opts.store.getListing(keyId);
    if (!listing?.complete || this.now() - listing.at > 2 * this.opts.settings.intervalMs) return undefined;
    this.opts.onAnswerAge?.(this.now() - listing.at);
    return listing.activations;
  }

  /**
   * Keeps refreshing this activation until `until` (its expiry) or until it ends, whether anyone
   * polls it or not, beyond TRACK_IDLE_S: a webhook owner's SMS may come long after the purchase
   * (docs/legacy-protocol.md §8). An ended activation is no longer read, pinned or not.
   */
  async pin(key: string, upstreamId: string, until: number): Promise<void> {
    const keyId = this.know(key);
    const known = this.keys.get(keyId)!;
    known.pinnedUntil = Math.max(known.pinnedUntil, until);
    // tracked while touched within TRACK_IDLE_S: a touch dated `until - idle` lasts until `until`
    await this.opts.store.touch(keyId, [upstreamId], Math.max(this.now(), until - this.opts.settings.idleMs));
  }

  /** A listing the caller made itself: kept for the next callers, its states tracked. */
  async listed(key: string, activations: Activation[], complete: boolean): Promise<void> {
    await this.opts.store.putListing(this.know(key), { at: this.now(), complete, activations });
  }

  /** Rejects while the tracker's store cannot answer (readiness). */
  ping(): Promise<void> {
    return this.opts.store.ping();
  }

  /** Runs one pass now and waits for it (tests, and a deterministic first refresh). */
  async refreshDue(): Promise<void> {
    this.tick();
    await Promise.allSettled([...this.keys.values()].map((k) => k.refreshing));
  }

  private async amendListing(keyId: string, activation: Activation): Promise<void> {
    const listing = await this.opts.store.getListing(keyId);
    if (!listing) return;
    const live = LIVE.includes(activation.status);
    const others = listing.activations.filter((a) => a.id !== activation.id);
    if (!live && others.length === listing.activations.length) return;
    await this.opts.store.putListing(keyId, {
      ...listing,
      activations: live ? [activation, ...others] : others,
    });
  }

  /** One pass: every key due is refreshed (each at most once at a time). */
  private tick(): void {
    const idleSince = this.now() - this.opts.settings.idleMs;
    for (const [keyId, known] of this.keys) {
      if (known.touchedAt < idleSince && known.listedAt < idleSince && known.pinnedUntil < this.now()) {
        this.keys.delete(keyId);
        this.liveCounts.delete(keyId);
        void this.opts.store.expire(keyId, idleSince).catch(() => undefined);
        continue;
      }
      if (known.refreshing || this.now() < known.waitUntil) continue;
      known.refreshing = this.refresh(keyId, known).finally(() => {
        known.refreshing = undefined;
      });
    }
  }

  /**
   * A key's refresh lease lapses two intervals after its last renewal: a replica that dies is
   * replaced within three (the survivor's next tick). Renewed when a refresh starts, and again when one
   * that called the upstream ends, so a slow refresh does not hand the key to another replica.
   */
  private leaseMs(): number {
    return 2 * this.opts.settings.intervalMs;
  }

  private async refresh(keyId: string, known: KnownKey): Promise<void> {
    const { store, settings, upstream } = this.opts;
    let listing = false; // the upstream is called: the lease is renewed again when it is done
    const started = performance.now();
    const report = (outcome: RefreshReport["outcome"], pages = 0, live = 0) =>
      this.opts.onRefresh?.({ ms: performance.now() - started, pages, live, outcome });
    try {
      if (!(await store.lease(keyId, this.opts.instance, this.leaseMs()))) return report("skipped");
      const idleSince = this.now() - settings.idleMs;
      const ids = await store.touched(keyId, idleSince);
      const states = await store.getMany(keyId, ids);
      const live = new Set(ids.filter((_, i) => !(states[i] && isTerminal(states[i]!.activation))));
      const wantListing = known.listedAt >= idleSince;
      this.liveCounts.set(keyId, live.size);
      if (live.size === 0 && !wantListing) return report("skipped");
      listing = true;

      const listed: Activation[] = [];
      const unseen = new Set(live);
      let cursor: string | undefined;
      let pages = 0;
      let complete = false;
      while (pages < settings.maxPages) {
        const page = await upstream.listActivations(known.key, { limit: PAGE_SIZE, cursor, status: LIVE });
        pages += 1;
        listed.push(...page.data);
        for (const a of page.data) unseen.delete(a.id);
        if (!page.nextCursor) {
          complete = true;
          break;
        }
        if (unseen.size === 0 && !wantListing) break;
        cursor = page.nextCursor;
      }
      const seenAt = this.now();
      const activations = newestPerId(listed);
      // Every tracked activation the list shows, and any other the caller may soon ask about.
      await this.record(
        keyId,
        activations.filter((a) => live.has(a.id)).map((activation) => ({ activation, seenAt })),
      );
      if (complete || wantListing) await store.putListing(keyId, { at: seenAt, complete, activations });
      // Tracked but no longer listed as live: ended (or resent and not listed yet). Read once.
      if (complete) {
        for (const id of unseen) {
          const activation = await upstream.getActivation(known.key, id).catch((err: unknown) => {
            if (err instanceof UpstreamError && err.kind === "not_found") return undefined;
            throw err;
          });
          if (activation) await this.record(keyId, [{ activation, seenAt: this.now() }]);
        }
      }
      report("ok", pages, live.size);
    } catch (err) {
      if (err instanceof UpstreamError && err.kind === "rate_limited") {
        known.waitUntil = this.now() + (err.detail.retryAfterS ?? 1) * 1000;
      }
      this.opts.log.debug({ err: String(err) }, "tracker refresh failed");
      report("failed");
    } finally {
      if (listing) await store.lease(keyId, this.opts.instance, this.leaseMs()).catch(() => false);
    }
  }

  private know(key: string): string {
    const keyId = this.opts.keyIdOf(key);
    const known = this.keys.get(keyId);
    if (known) {
      known.touchedAt = this.now();
      if (known.key !== key) known.key = key;
    } else {
      this.keys.set(keyId, { key, touchedAt: this.now(), listedAt: 0, waitUntil: 0, pinnedUntil: 0 });
    }
    return keyId;
  }

  private async touch(keyId: string, upstreamId: string, force = false): Promise<void> {
    const slot = `${keyId}\u0000${upstreamId}`;
    const now = this.now();
    const every = this.opts.settings.idleMs * TOUCH_FRACTION_OF_IDLE;
    if (!force && now - (this.lastTouch.get(slot) ?? 0) < every) return;
    this.lastTouch.set(slot, now);
    if (this.lastTouch.size > 200_000) this.lastTouch.clear();
    await this.opts.store.touch(keyId, [upstreamId], now);
  }

  private async record(keyId: string, states: Tracked[]): Promise<void> {
    if (states.length === 0) return;
    const previous = await this.opts.store.put(keyId, states);
    if (!this.opts.onChange) return;
    states.forEach((state, i) => {
      const before = previous[i]?.activation;
      if (
        !before ||
        before.status !== state.activation.status ||
        before.smsCode !== state.activation.smsCode
      ) {
        this.opts.onChange!(keyId, before, state.activation);
      }
    });
  }
}

export type { Listing };
