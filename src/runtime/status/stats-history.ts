import type { PlatformStats, StatsHistory } from '../../contract/index.js';

/** Ten minutes of samples, one a second: what the dashboard's charts show when a page opens. */
const CAPACITY = 600;

/**
 * The last ten minutes of a process's stats, sampled each second: a page that opens (or
 * reloads) draws its charts from them at once, then goes on live. In memory: a restarted
 * process starts a new history, as its counters start again.
 */
export class StatsRecorder {
  private readonly samples: StatsHistory['samples'][number][] = [];
  private next = 0;

  record(at: number, stats: PlatformStats): void {
    const sample = { at, ...stats };
    if (this.samples.length < CAPACITY) this.samples.push(sample);
    else this.samples[this.next] = sample;
    this.next = (this.next + 1) % CAPACITY;
  }

  history(): StatsHistory {
    const full = this.samples.length === CAPACITY;
    return {
      samples: full
        ? [...this.samples.slice(this.next), ...this.samples.slice(0, this.next)]
        : [...this.samples],
    };
  }
}
