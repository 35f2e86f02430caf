/**
 * The last `capacity` items pushed, numbered from 1 in push order. Pushing is one slot write: the
 * console's recorder runs it on every legacy request.
 */
export class Ring<T> {
  private readonly slots: (T | undefined)[];
  private pushed = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error("a ring needs a positive capacity");
    this.slots = new Array(capacity);
  }

  push(item: T): void {
    this.slots[this.pushed % this.capacity] = item;
    this.pushed += 1;
  }

  /** How many were ever pushed: the number of the newest item (0 when empty). */
  get seq(): number {
    return this.pushed;
  }

  /** The items numbered above `after` that are still held, oldest first. */
  since(after: number): { seq: number; item: T }[] {
    const out: { seq: number; item: T }[] = [];
    for (let i = Math.max(after, this.pushed - this.capacity, 0); i < this.pushed; i++)
      out.push({ seq: i + 1, item: this.slots[i % this.capacity] as T });
    return out;
  }
}
