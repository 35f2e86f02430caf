import { randomUUID } from "node:crypto";

/**
 * The catalogue's version, for gateways in front of this sandbox (`GET /sandbox/catalog/version`).
 *
 * Every change of an offer through the control routes (`PUT /sandbox/offers`) bumps it and records
 * the service it touched. A gateway long-polls the version, reloads the offers of the services that
 * changed, and polls again; the change's own answer waits (at most `FENCE_MS`) until every watching
 * gateway has polled again past it, so the next catalogue request anywhere shows the change.
 *
 * Purchases move stock too, one number at a time, and are not counted: stock moved by trading shows
 * within the gateway's `CATALOG_TTL_S`, as it does with the real upstream (whose catalogue the gateway
 * cannot watch either), and a purchase's own answer is always current.
 */
export interface CatalogVersion {
  /** changes when the sandbox restarts (its catalogue is then the fixture again) */
  instance: string;
  version: number;
  /** service code → the version of its last change (services never changed are absent) */
  services: Record<string, number>;
}

/** A control-route change waits at most this long for watching gateways to catch up. */
export const FENCE_MS = 2000;
/** A watcher that was answered and has not polled again for this long is gone (it died). */
const GONE_AFTER_MS = 10_000;
export const MAX_WAIT_MS = 60_000;

interface Watcher {
  /** the version it has applied */
  acked: number;
  /** when it last polled or was answered */
  seenAt: number;
  /** answers its poll in flight */
  answer?: (() => void) | undefined;
}

export class CatalogWatch {
  readonly instance = randomUUID();
  private version = 0;
  private readonly services = new Map<string, number>();
  private readonly watchers = new Map<string, Watcher>();
  /** fences waiting for watchers to catch up: re-checked on every poll */
  private readonly fences = new Set<() => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly now: () => number = Date.now) {}

  current(): CatalogVersion {
    return { instance: this.instance, version: this.version, services: Object.fromEntries(this.services) };
  }

  /** An offer of `serviceCode` changed through a control route; returns the new version. */
  changed(serviceCode: string): number {
    this.version += 1;
    this.services.set(serviceCode, this.version);
    for (const watcher of this.watchers.values()) watcher.answer?.();
    return this.version;
  }

  /**
   * A gateway's poll: `after` is the version it has applied (of `instance`). Answers at once when
   * there is something newer (or another instance), else when something changes or after `waitMs`.
   */
  poll(watcherId: string, instance: string, after: number, waitMs: number, signal?: AbortSignal) {
    const watcher = this.watchers.get(watcherId) ?? { acked: -1, seenAt: 0 };
    this.watchers.set(watcherId, watcher);
    watcher.answer?.(); // one poll per watcher: an older one is answered now
    watcher.acked = instance === this.instance ? after : -1;
    watcher.seenAt = this.now();
    this.checkFences();
    if (watcher.acked < this.version || this.closed) return Promise.resolve(this.current());
    return new Promise<CatalogVersion>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        signal?.removeEventListener("abort", gone);
        watcher.answer = undefined;
        watcher.seenAt = this.now();
        resolve(this.current());
      };
      // The gateway went away (closed, killed): it no longer holds anything up.
      const gone = () => {
        done();
        if (this.watchers.get(watcherId) === watcher) this.watchers.delete(watcherId);
        this.checkFences();
      };
      const timer = setTimeout(done, Math.min(Math.max(waitMs, 0), MAX_WAIT_MS));
      this.timers.add(timer);
      watcher.answer = done;
      signal?.addEventListener("abort", gone, { once: true });
    });
  }

  /** Resolves once every live watcher has applied `version`, or after `maxMs`. */
  settled(version: number, maxMs = FENCE_MS): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        this.fences.delete(check);
        resolve();
      };
      const check = () => {
        if (this.closed || this.caughtUp(version)) finish();
      };
      const timer = setTimeout(finish, maxMs);
      this.timers.add(timer);
      this.fences.add(check);
      check();
    });
  }

  /** Answers every poll and fence (the sandbox is stopping). */
  close(): void {
    this.closed = true;
    for (const watcher of this.watchers.values()) watcher.answer?.();
    for (const check of [...this.fences]) check();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private caughtUp(version: number): boolean {
    const now = this.now();
    for (const [id, watcher] of this.watchers) {
      if (watcher.answer === undefined && now - watcher.seenAt > GONE_AFTER_MS) {
        this.watchers.delete(id);
        continue;
      }
      if (watcher.acked < version) return false;
    }
    return true;
  }

  private checkFences(): void {
    for (const check of [...this.fences]) check();
  }
}
