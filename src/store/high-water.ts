import { existsSync, readFileSync } from "node:fs";
import { writeFileAtomic } from "../common/atomic-file.js";

/** How far ahead of the highest id the file is written: one write per this many ids. */
export const HIGH_WATER_BLOCK = 1000;

const FLOOR_EPOCH_MS = Date.UTC(2026, 0, 1);
/** ids per second of wall time the clock floor keeps ahead of */
const FLOOR_IDS_PER_SECOND = 2;

/**
 * Where a counter starts when its store is empty and no replica remembers an id: two ids per second
 * since 2026-01-01 (about 6e7 at the end of 2026, 2^31 − 1 reached in 2060; capped at half of it).
 * A first start and a Redis that lost its data while every DATA_DIR was lost too look the same; a
 * floor that moves with the clock keeps the second case from re-issuing an id unless the lost store
 * handed out more than two ids per second, on average, over its whole life.
 */
export function clockFloor(nowMs: number, maxId: number): number {
  const seconds = Math.max(0, Math.floor((nowMs - FLOOR_EPOCH_MS) / 1000));
  return Math.min(seconds * FLOOR_IDS_PER_SECOND, Math.floor(maxId / 2));
}

/**
 * The highest numeric id this replica allocated or saw, kept in a local file so that a Redis that
 * lost its data can be re-seeded above every id already handed out.
 *
 * The file holds a ceiling, not the exact id: it is rewritten only when an id passes it, to that id
 * plus HIGH_WATER_BLOCK, so a purchase costs a file write once per block instead of once each, and the
 * file is still never below an id this replica returned (the write happens before the id is returned).
 */
export class HighWaterMark {
  private seen = 0;
  private ceiling: number;

  constructor(private readonly path: string) {
    this.ceiling = existsSync(path) ? Number(readFileSync(path, "utf8").trim()) || 0 : 0;
  }

  /** what a re-seed must start above: 0 when this replica never saw an id */
  get persisted(): number {
    return this.ceiling;
  }

  /** the highest id seen by this process (0 before the first) */
  get highest(): number {
    return this.seen;
  }

  note(id: number): void {
    if (id > this.seen) this.seen = id;
    if (id <= this.ceiling) return;
    this.ceiling = id + HIGH_WATER_BLOCK;
    writeFileAtomic(this.path, `${this.ceiling}\n`);
  }
}
