import { LRUCache } from "lru-cache";
import type { Activation } from "../upstream/schemas.js";

/** An activation as last read from the upstream, and when (local ms). */
export interface Tracked {
  activation: Activation;
  seenAt: number;
}

/** A key's live activations as one refresh listed them. */
export interface Listing {
  at: number;
  /** every page was read (`nextCursor` null) */
  complete: boolean;
  activations: Activation[];
}

/**
 * Where the tracker keeps what it learnt, per upstream key (`keyId`, the key's hash): in memory for
 * one process, in Redis for replicas (one refreshes a key, all answer from the shared state).
 */
export interface TrackerStore {
  get(keyId: string, upstreamId: string): Promise<Tracked | undefined>;
  getMany(keyId: string, upstreamIds: readonly string[]): Promise<(Tracked | undefined)[]>;
  /** Stores states; answers the states they replaced, in the same order (undefined for new ones). */
  put(keyId: string, states: readonly Tracked[]): Promise<(Tracked | undefined)[]>;
  /** A poll or a purchase keeps these activations tracked from `at`. */
  touch(keyId: string, upstreamIds: readonly string[], at: number): Promise<void>;
  /** Ids touched at or after `since`. */
  touched(keyId: string, since: number): Promise<string[]>;
  /** Forgets activations not touched since `before` (and their states). */
  expire(keyId: string, before: number): Promise<void>;
  putListing(keyId: string, listing: Listing): Promise<void>;
  getListing(keyId: string): Promise<Listing | undefined>;
  /**
   * May `instance` refresh this key now? In memory always; with replicas, one holds a lease that
   * lapses after `ttlMs` unless renewed.
   */
  lease(keyId: string, instance: string, ttlMs: number): Promise<boolean>;
  /** Rejects while the store cannot answer (readiness: polls are answered from it). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

interface KeyState {
  states: Map<string, Tracked>;
  touched: Map<string, number>;
  listing?: Listing | undefined;
}

/** One process: plain maps, at most `maxKeys` keys (least recently used dropped). */
export class MemoryTrackerStore implements TrackerStore {
  private readonly keys: LRUCache<string, KeyState>;

  constructor(maxKeys = 100_000) {
    this.keys = new LRUCache({ max: maxKeys });
  }

  private key(keyId: string): KeyState {
    let state = this.keys.get(keyId);
    if (!state) {
      state = { states: new Map(), touched: new Map() };
      this.keys.set(keyId, state);
    }
    return state;
  }

  async get(keyId: string, upstreamId: string) {
    return this.keys.get(keyId)?.states.get(upstreamId);
  }

  async getMany(keyId: string, upstreamIds: readonly string[]) {
    const states = this.keys.get(keyId)?.states;
    return upstreamIds.map((id) => states?.get(id));
  }

  async put(keyId: string, states: readonly Tracked[]) {
    const { states: map } = this.key(keyId);
    return states.map((state) => {
      const previous = map.get(state.activation.id);
      map.set(state.activation.id, state);
      return previous;
    });
  }

  async touch(keyId: string, upstreamIds: readonly string[], at: number) {
    const { touched } = this.key(keyId);
    for (const id of upstreamIds) touched.set(id, Math.max(at, touched.get(id) ?? 0));
  }

  async touched(keyId: string, since: number) {
    const touched = this.keys.get(keyId)?.touched ?? new Map<string, number>();
    return [...touched].filter(([, at]) => at >= since).map(([id]) => id);
  }

  async expire(keyId: string, before: number) {
    const state = this.keys.get(keyId);
    if (!state) return;
    for (const [id, at] of state.touched) {
      if (at >= before) continue;
      state.touched.delete(id);
      state.states.delete(id);
    }
    if (state.touched.size === 0 && (state.listing?.at ?? 0) < before) this.keys.delete(keyId);
  }

  async putListing(keyId: string, listing: Listing) {
    this.key(keyId).listing = listing;
  }

  async getListing(keyId: string) {
    return this.keys.get(keyId)?.listing;
  }

  async lease(_keyId: string, _instance: string, _ttlMs: number) {
    return true; // one process: always its own
  }

  async ping() {}

  async close() {}
}
