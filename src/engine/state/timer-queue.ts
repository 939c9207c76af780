/**
 * A min-heap of timers ordered by time, then by registration order, so that timers due
 * at the same instant fire deterministically. Cancelling is lazy: owners check on pop
 * whether a timer still applies (a merged session, a replaced deadline), which keeps
 * registration O(log n) without an index.
 */
export class TimerQueue<P> {
  private times: number[] = [];
  private seqs: number[] = [];
  private payloads: P[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.times.length;
  }

  /**
   * Adds a timer; returns its sequence number, which orders timers due at the same time.
   * A restore passes the number a timer had, so that equal times fire in the original order.
   */
  push(time: number, payload: P, seq = this.nextSeq): number {
    if (seq >= this.nextSeq) this.nextSeq = seq + 1;
    this.times.push(time);
    this.seqs.push(seq);
    this.payloads.push(payload);
    this.up(this.times.length - 1);
    return seq;
  }

  /** The sequence number the next timer gets (saved with checkpoints). */
  get sequence(): number {
    return this.nextSeq;
  }

  set sequence(next: number) {
    this.nextSeq = Math.max(this.nextSeq, next);
  }

  /** Time of the earliest timer, or Infinity when empty. */
  peekTime(): number {
    return this.times.length === 0 ? Number.POSITIVE_INFINITY : this.times[0];
  }

  /** Time of the latest timer, or -Infinity when empty. A scan: for the end of input only. */
  latestTime(): number {
    let latest = Number.NEGATIVE_INFINITY;
    for (const time of this.times) if (time > latest) latest = time;
    return latest;
  }

  /** Removes and returns the earliest timer due at or before `time`, if any. */
  popDue(time: number): { time: number; payload: P; seq: number } | undefined {
    if (this.times.length === 0 || this.times[0] > time) return undefined;
    const out = { time: this.times[0], payload: this.payloads[0], seq: this.seqs[0] };
    const last = this.times.length - 1;
    this.move(last, 0);
    this.times.pop();
    this.seqs.pop();
    this.payloads.pop();
    if (this.times.length > 0) this.down(0);
    return out;
  }

  /** Every pending timer in firing order. */
  entries(): { time: number; payload: P; seq: number }[] {
    const order = this.times.map((_, i) => i).sort((a, b) => (this.before(a, b) ? -1 : 1));
    return order.map((i) => ({ time: this.times[i], payload: this.payloads[i], seq: this.seqs[i] }));
  }

  /** Removes the timers whose payload `remove` selects. */
  removeWhere(remove: (payload: P) => boolean): void {
    const kept = this.entries().filter((entry) => !remove(entry.payload));
    this.times = [];
    this.seqs = [];
    this.payloads = [];
    for (const { time, payload, seq } of kept) this.push(time, payload, seq);
  }

  clear(): void {
    this.times = [];
    this.seqs = [];
    this.payloads = [];
  }

  private before(a: number, b: number): boolean {
    return this.times[a] < this.times[b] || (this.times[a] === this.times[b] && this.seqs[a] < this.seqs[b]);
  }

  private move(from: number, to: number): void {
    this.times[to] = this.times[from];
    this.seqs[to] = this.seqs[from];
    this.payloads[to] = this.payloads[from];
  }

  private swap(a: number, b: number): void {
    const t = this.times[a];
    const s = this.seqs[a];
    const p = this.payloads[a];
    this.move(b, a);
    this.times[b] = t;
    this.seqs[b] = s;
    this.payloads[b] = p;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.times.length;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < n && this.before(left, smallest)) smallest = left;
      if (right < n && this.before(right, smallest)) smallest = right;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }
}
