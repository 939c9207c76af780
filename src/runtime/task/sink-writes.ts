import type { Sink } from '../../connectors/sink.js';

/**
 * A task's writes of what its sinks buffered, made while it reads on: one write at a time,
 * each after the one under way, so that the writes of one sink never overtake each other.
 */
export class SinkWrites {
  /** The write under way (resolved when none is), failing if it failed. */
  private last: Promise<void> = Promise.resolve();
  private writing = false;
  /** When the last write began, or the checkpoint that wrote everything ended. */
  lastAt = 0;

  /** `sinks` in the order they are written (the task's sinks open while it starts). */
  constructor(
    private readonly sinks: () => Iterable<Pick<Sink, 'pending' | 'flush'>>,
    private readonly now: () => number,
  ) {}

  /** Records the sinks hold, not yet written. */
  get pending(): number {
    let pending = 0;
    for (const sink of this.sinks()) pending += sink.pending;
    return pending;
  }

  get idle(): boolean {
    return !this.writing;
  }

  /** Writes what the sinks hold, after the write under way; settles with it. */
  start(): Promise<void> {
    this.lastAt = this.now();
    this.writing = true;
    const write = async () => {
      for (const sink of this.sinks()) await sink.flush();
    };
    this.last = this.last
      .catch(() => {})
      .then(write)
      .finally(() => {
        this.writing = false;
      });
    return this.last;
  }

  /** Settles when no write is under way: a failure is what the next write retries. */
  settled(): Promise<void> {
    return this.last.catch(() => {});
  }
}
