import { DDSketch } from '@datadog/sketches-js';

/**
 * Recent processing latency percentiles: two DDSketches in turn, each covering one
 * period, so that p50/p99 reflect the last one to two periods rather than all time.
 */
export class LatencyTracker {
  private current = new DDSketch({ relativeAccuracy: 0.01 });
  private previous = new DDSketch({ relativeAccuracy: 0.01 });
  private periodStart: number;

  constructor(
    private readonly periodMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {
    this.periodStart = now();
  }

  record(ms: number): void {
    this.rotate();
    this.current.accept(Math.max(0, ms));
  }

  /** Percentile `q` over the recent periods, or null when nothing was recorded. */
  quantile(q: number): number | null {
    this.rotate();
    const merged = new DDSketch({ relativeAccuracy: 0.01 });
    if (this.previous.count > 0) merged.merge(this.previous);
    if (this.current.count > 0) merged.merge(this.current);
    return merged.count === 0 ? null : merged.getValueAtQuantile(q);
  }

  private rotate(): void {
    const now = this.now();
    if (now - this.periodStart < this.periodMs) return;
    // A whole period without records leaves nothing recent to report.
    this.previous =
      now - this.periodStart < 2 * this.periodMs ? this.current : new DDSketch({ relativeAccuracy: 0.01 });
    this.current = new DDSketch({ relativeAccuracy: 0.01 });
    this.periodStart = now;
  }
}
