import type { StoredRecord } from '../contract/index.js';

/** The last `capacity` records of a kind (dead letters, late events), for inspection. */
export class RecentRecords {
  private readonly ring: StoredRecord[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  add(record: StoredRecord): void {
    if (this.ring.length < this.capacity) this.ring.push(record);
    else this.ring[this.next] = record;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Up to `limit` records, newest last. */
  latest(limit: number): StoredRecord[] {
    const ordered =
      this.ring.length < this.capacity
        ? this.ring
        : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
    return ordered.slice(Math.max(0, ordered.length - limit));
  }
}
