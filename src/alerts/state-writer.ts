import type { Clock } from '../engine/time/clock.js';
import type { AlertPersistence } from './persistence/alert-persistence.js';
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
  ) {}

  /** Starts writing what changed, unless a write is under way or a retry is not due. */
  flush(now: number = this.clock.now()): void {
    if (this.writing || this.changes.empty || now < this.retryAt) return;
    const batch = this.changes.take();
    this.writing = this.persistence.write(batch).then(
      () => {
        this.writing = undefined;
        this.flush();
      },
      (error: unknown) => {
        this.writing = undefined;
        this.changes.putBack(batch);
        this.retryAt = this.clock.now() + RETRY_MS;
        this.failed(error);
      },
    );
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
