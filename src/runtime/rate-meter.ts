/**
 * Events per second over a sliding window of whole seconds: counts go into per-second
 * buckets, and the rate is the sum of the last `seconds` complete buckets divided by their
 * span. Measured, never estimated from configuration.
 */
export class RateMeter {
  private readonly buckets: number[];
  private currentSecond: number;
  /** The second the meter started in: until `seconds` have passed, the rate covers only those that have. */
  private readonly firstSecond: number;
  private total = 0;

  constructor(
    private readonly seconds = 5,
    private readonly now: () => number = Date.now,
  ) {
    this.buckets = new Array(seconds + 1).fill(0);
    this.currentSecond = Math.floor(now() / 1000);
    this.firstSecond = this.currentSecond;
  }

  add(count: number): void {
    this.roll();
    this.buckets[this.currentSecond % this.buckets.length] += count;
    this.total += count;
  }

  /** Everything counted since the start. */
  get count(): number {
    return this.total;
  }

  /**
   * The rate over the last complete seconds (the running second is left out: it is
   * partial), and over fewer of them while the meter is younger than its window — a
   * platform that just started shows its real rate, not one diluted by seconds before it ran.
   */
  perSecond(): number {
    this.roll();
    const span = Math.min(this.seconds, this.currentSecond - this.firstSecond);
    if (span <= 0) return 0;
    let sum = 0;
    for (let s = 1; s <= span; s++) sum += this.buckets[(this.currentSecond - s) % this.buckets.length];
    return sum / span;
  }

  private roll(): void {
    const second = Math.floor(this.now() / 1000);
    if (second === this.currentSecond) return;
    // Clear the buckets of the seconds that passed without counts (at most the whole ring).
    const steps = Math.min(second - this.currentSecond, this.buckets.length);
    for (let s = 1; s <= steps; s++) this.buckets[(this.currentSecond + s) % this.buckets.length] = 0;
    this.currentSecond = second;
  }
}
