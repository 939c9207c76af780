import type { Clock } from '../engine/time/clock.js';
import { TributaryError } from '../errors.js';
import { type AlertChanges, type AlertPersistence, eachChange } from './persistence/alert-persistence.js';
import { ChangeBuffer } from './persistence/change-buffer.js';

const RETRY_MS = 5_000;

/**
 * Writes the alert engine's changes in the background, one batch at a time: what changes
 * while a batch is being written goes into the next. A failed batch is put back under the
 * newer changes and retried `RETRY_MS` later (clock time); the failure is reported.
 */
export class StateWriter {
  readonly changes = new ChangeBuffer();
  private writing: Promise<void> | undefined;
  private retryAt = 0;

  constructor(
    private readonly persistence: AlertPersistence,
    private readonly clock: Clock,
    private readonly failed: (error: unknown) => void,
    private readonly refused: (error: unknown, change: AlertChanges) => void = failed,
  ) {}

  /** Starts writing what changed, unless a write is under way or a retry is not due. */
  flush(now: number = this.clock.now()): void {
    if (this.writing || this.changes.empty || now < this.retryAt) return;
    const batch = this.changes.take();
    this.writing = this.persistence
      .write(batch)
      .catch((error: unknown) =>
        isRefusal(error) ? this.writeEach(eachChange(batch)) : this.retry([batch], error),
      )
      .then(() => {
        this.writing = undefined;
        this.flush();
      });
  }

  /** Writes changes one at a time; drops one the store refuses; stops at an outage. */
  private async writeEach(changes: AlertChanges[]): Promise<void> {
    for (const [i, change] of changes.entries()) {
      try {
        await this.persistence.write(change);
      } catch (error) {
        if (!isRefusal(error)) return this.retry(changes.slice(i), error);
        this.refused(error, change);
      }
    }
  }

  private retry(batches: readonly AlertChanges[], error: unknown): void {
    for (const batch of [...batches].reverse()) this.changes.putBack(batch);
    this.retryAt = this.clock.now() + RETRY_MS;
    this.failed(error);
  }

  /** Resolves when nothing is being written and nothing is due (a failed batch waits for its retry). */
  async settled(): Promise<void> {
    for (let round = 0; round < 100; round++) {
      if (this.writing) await this.writing;
      else if (!this.changes.empty && this.clock.now() >= this.retryAt) this.flush();
      else return;
    }
  }

  /** Retries a failed batch now (at shutdown). */
  retryNow(): void {
    this.retryAt = 0;
  }

  get busy(): boolean {
    return this.writing !== undefined;
  }
}

const isRefusal = (error: unknown): boolean =>
  error instanceof TributaryError && error.code === 'TRB_STORE_REJECTED';
