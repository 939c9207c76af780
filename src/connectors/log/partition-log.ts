import { TributaryError } from '../../errors.js';
import { syncDirectory } from './directory.js';
import { EndWatch } from './end-watch.js';
import { chunkBytesFor, type PartitionSpan } from './partition-span.js';
import {
  type AppendRecord,
  decodeFrame,
  type EncodedBatch,
  encodeBatch,
  type LogRecord,
} from './record-format.js';
import { type RecoveryReport, recoverPartition } from './recovery.js';
import { expiredSegmentCount, type RetentionPolicy } from './retention.js';
import { type ReadBudget, Segment } from './segment.js';

/**
 * When an append counts as durable:
 * - `always`: its promise resolves after an fdatasync that covers it (concurrent appends
 *   share one fdatasync);
 * - `interval`: after the write reached the OS; an fdatasync runs every `fsyncIntervalMs`;
 * - `never`: after the write reached the OS; the OS flushes when it likes.
 * In every mode an acknowledged record survives a crash of the process.
 */
export type FsyncMode = 'always' | 'interval' | 'never';

/** A topic's settings; its partitions share them. */
export interface TopicSettings {
  /** How many partitions the topic gets when it is created. */
  readonly partitions: number;
  readonly fsync: FsyncMode;
  readonly fsyncIntervalMs: number;
  readonly segmentBytes: number;
  readonly indexIntervalBytes: number;
  readonly retention: RetentionPolicy;
  readonly clock: () => number;
}

/** Where one partition put its part of a batch. */
export interface PartitionAppend {
  readonly baseOffset: number;
  /** `baseOffset - 1` for an empty batch. */
  readonly lastOffset: number;
}

export interface ReadLimits {
  readonly maxRecords: number;
  readonly maxBytes: number;
}

/** Frames as stored: `count` of them, back to back, from `fromOffset`. */
export interface ReadResult {
  readonly records: LogRecord[];
  /** Where the read started: the requested offset, or the first retained one if that is later. */
  readonly fromOffset: number;
  /** The offset to read next. */
  readonly nextOffset: number;
}

export interface DeletedSegment {
  readonly topic: string;
  readonly partition: number;
  readonly segment: string;
  readonly baseOffset: number;
  /** One past the last offset the segment held. */
  readonly endOffset: number;
  readonly bytes: number;
  readonly maxTimestamp: number;
}

interface PendingAppend {
  readonly records: readonly AppendRecord[];
  readonly resolve: (result: PartitionAppend) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * One partition of a topic: its segments, the group-committing writer and the readers' view.
 * Every change to the files (writes, rolls, fsyncs, retention, close) runs one at a time on
 * `chain`, so they never interleave; reads need no turn, because they only look at bytes
 * that are completely written and open their own file handles. Partitions share nothing, so
 * each has its own group commit, retention and recovery.
 */
export class PartitionLog {
  private readonly segments: Segment[];
  /** Readers see offsets below this: written, and fsynced too under `fsync: 'always'`. */
  private visibleEnd: number;
  private pending: PendingAppend[] = [];
  private flushScheduled = false;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly endWatch = new EndWatch();
  /** Set when the files are in an unknown state (a failed fsync, roll or rollback): later appends fail. */
  private failure: TributaryError | undefined;
  private closed = false;
  private dirty = false;
  private retentionDue = false;
  private readonly timer: NodeJS.Timeout | undefined;

  private constructor(
    readonly topic: string,
    readonly partition: number,
    readonly dir: string,
    private readonly settings: TopicSettings,
    segments: Segment[],
  ) {
    this.segments = segments;
    this.visibleEnd = this.active.nextOffset;
    if (settings.fsync === 'interval') {
      this.timer = setInterval(() => this.syncIfDirty(), settings.fsyncIntervalMs);
      this.timer.unref();
    }
  }

  /** Opens (and recovers) a partition directory, creating its first segment if it has none. */
  static async open(
    dir: string,
    topic: string,
    partition: number,
    settings: TopicSettings,
  ): Promise<{ log: PartitionLog; report?: RecoveryReport }> {
    const { segments, report } = await recoverPartition(dir, topic, partition, settings.indexIntervalBytes);
    const log = new PartitionLog(topic, partition, dir, settings, segments);
    return report ? { log, report } : { log };
  }

  get startOffset(): number {
    return this.segments[0].baseOffset;
  }

  get endOffset(): number {
    return this.visibleEnd;
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1];
  }

  /** Queues a validated batch; batches queued while a write or fsync runs go out together. */
  append(records: readonly AppendRecord[]): Promise<PartitionAppend> {
    if (this.closed) return Promise.reject(this.closedError('append'));
    if (this.failure) return Promise.reject(this.failure);
    if (records.length === 0) {
      return Promise.resolve({ baseOffset: this.visibleEnd, lastOffset: this.visibleEnd - 1 });
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ records, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        void this.exclusive(() => this.flush());
      }
    });
  }

  async read(from: number, limits: ReadLimits): Promise<ReadResult> {
    const records: LogRecord[] = [];
    const { fromOffset, nextOffset } = await this.scan(from, limits, true, (buffer, at, frameBytes) =>
      records.push(decodeFrame(buffer, at, frameBytes)),
    );
    return { records, fromOffset, nextOffset };
  }

  /** Where a reader that opens the files itself finds the records from `from` (no I/O here). */
  locate(from: number): PartitionSpan {
    if (this.closed) throw this.closedError('read');
    const { startOffset, visibleEnd: endOffset } = this;
    const fromOffset = Math.max(from, startOffset);
    if (fromOffset >= endOffset) return { fromOffset, startOffset, endOffset };
    const segment = this.segmentFor(fromOffset);
    return {
      fromOffset,
      startOffset,
      endOffset,
      segment: {
        ...segment.span(fromOffset),
        nextOffset: segment.nextOffset,
        indexIntervalBytes: this.settings.indexIntervalBytes,
      },
    };
  }

  /** Walks the segments from `from`, handing each frame that fits `limits` to `take`. */
  private async scan(
    from: number,
    limits: ReadLimits,
    verify: boolean,
    take: (buffer: Buffer, at: number, frameBytes: number) => void,
  ): Promise<{ fromOffset: number; nextOffset: number }> {
    if (this.closed) throw this.closedError('read');
    let offset = Math.max(from, this.startOffset);
    let fromOffset = offset;
    const end = this.visibleEnd;
    const budget: ReadBudget = { records: limits.maxRecords, bytes: limits.maxBytes, taken: 0 };
    const chunkBytes = chunkBytesFor(limits.maxBytes, this.settings.indexIntervalBytes);
    while (offset < end && budget.records > 0) {
      const segment = this.segmentFor(offset);
      const before = budget.taken;
      try {
        await segment.read(offset, end, budget, chunkBytes, take, verify);
      } catch (error) {
        // Retention deleted the segment between our lookup and its open: move on to what is left.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || this.segments.includes(segment))
          throw error;
        if (budget.taken > 0) break;
        offset = fromOffset = Math.max(offset, this.startOffset);
        continue;
      }
      if (budget.taken === before) break;
      offset = fromOffset + budget.taken;
      if (offset < segment.nextOffset) break; // the budget ran out inside this segment
    }
    return { fromOffset, nextOffset: offset };
  }

  /** Resolves with the end offset once it is above `offset`. */
  waitForData(offset: number, signal?: AbortSignal): Promise<number> {
    if (this.closed) return Promise.reject(this.closedError('waitForData'));
    return this.endWatch.wait(offset, this.visibleEnd, signal);
  }

  enforceRetention(): Promise<DeletedSegment[]> {
    if (this.closed) return Promise.reject(this.closedError('enforceRetention'));
    return this.exclusive(() => this.applyRetention());
  }

  /** Writes what is queued, fsyncs, leaves an index file for a quick reopen, and closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    try {
      await this.exclusive(async () => {
        const active = this.active;
        try {
          if (!this.failure) {
            await active.sync();
            await active.writeIndexFile();
          }
        } finally {
          await active.closeHandle();
        }
      });
    } catch (error) {
      throw this.ioError(`closing ${this.active.path}`, error);
    } finally {
      this.endWatch.rejectAll(this.closedError('waitForData'));
    }
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * The group commit: everything queued goes out as one writev per segment (a batch never
   * spans two segments), then one fdatasync under `always`, then the promises resolve.
   */
  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const group = this.pending;
    this.pending = [];
    let committed = 0;
    try {
      if (this.failure) throw this.failure;
      const now = this.settings.clock();
      let chunk: EncodedBatch[] = [];
      let chunkBytes = 0;
      let next = this.active.nextOffset;
      for (const append of group) {
        const batch = encodeBatch(append.records, next, now);
        const size = this.active.size + chunkBytes;
        if (size > 0 && size + batch.buffer.length > this.settings.segmentBytes) {
          await this.commit(chunk, group.slice(committed, committed + chunk.length));
          committed += chunk.length;
          chunk = [];
          chunkBytes = 0;
          await this.roll();
        }
        chunk.push(batch);
        chunkBytes += batch.buffer.length;
        next += batch.count;
      }
      await this.commit(chunk, group.slice(committed));
      committed = group.length;
    } catch (error) {
      for (const append of group.slice(committed)) append.reject(error);
    }
    if (this.retentionDue) {
      this.retentionDue = false;
      // Best effort: a segment that fails to delete now is deleted by the next pass.
      await this.applyRetention().catch(() => undefined);
    }
  }

  private async commit(batches: readonly EncodedBatch[], appends: readonly PendingAppend[]): Promise<void> {
    if (batches.length === 0) return;
    const active = this.active;
    try {
      await active.write(batches);
    } catch (error) {
      const rolledBack = await active.rollBack();
      const failure = this.ioError(`writing to ${active.path}`, error);
      if (!rolledBack) this.failure = failure;
      throw failure;
    }
    if (this.settings.fsync === 'always') {
      await this.sync();
    } else {
      this.dirty = true;
    }
    this.visibleEnd = active.nextOffset;
    for (let i = 0; i < appends.length; i++) {
      const { baseOffset, count } = batches[i];
      appends[i].resolve({ baseOffset, lastOffset: baseOffset + count - 1 });
    }
    this.endWatch.advance(this.visibleEnd);
  }

  /**
   * After a failed fsync the kernel may have dropped the dirty pages and cleared the error,
   * so a retry could "succeed" without the data: stop appending until a reopen re-verifies.
   */
  private async sync(): Promise<void> {
    try {
      await this.active.sync();
      this.dirty = false;
    } catch (error) {
      this.failure = this.ioError(`fsyncing ${this.active.path}`, error);
      throw this.failure;
    }
  }

  private syncIfDirty(): void {
    if (!this.dirty || this.closed) return;
    void this.exclusive(async () => {
      if (this.dirty && !this.failure) await this.sync();
    }).catch(() => undefined); // recorded in `failure`: the next append reports it
  }

  /** Seals the active segment (fsync + index file) and starts the next one at the next offset. */
  private async roll(): Promise<void> {
    const sealed = this.active;
    try {
      await sealed.seal();
      this.segments.push(await Segment.create(this.dir, sealed.nextOffset, this.settings.indexIntervalBytes));
      await syncDirectory(this.dir);
    } catch (error) {
      this.failure = this.ioError(`rolling ${sealed.path} to a new segment`, error);
      throw this.failure;
    }
    this.dirty = false;
    this.retentionDue = true;
  }

  private async applyRetention(): Promise<DeletedSegment[]> {
    const closed = this.segments.slice(0, -1);
    const stats = closed.map((segment) => ({ bytes: segment.size, maxTimestamp: segment.maxTimestamp }));
    const count = expiredSegmentCount(
      stats,
      this.active.size,
      this.settings.retention,
      this.settings.clock(),
    );
    // Out of the list first, so no new read picks a segment that is about to disappear.
    const expired = this.segments.splice(0, count);
    const deleted: DeletedSegment[] = [];
    for (const segment of expired) {
      await segment.remove();
      deleted.push({
        topic: this.topic,
        partition: this.partition,
        segment: segment.path,
        baseOffset: segment.baseOffset,
        endOffset: segment.nextOffset,
        bytes: segment.size,
        maxTimestamp: segment.maxTimestamp,
      });
    }
    return deleted;
  }

  private segmentFor(offset: number): Segment {
    let low = 0;
    let high = this.segments.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (this.segments[mid].baseOffset <= offset) low = mid;
      else high = mid - 1;
    }
    return this.segments[low];
  }

  private closedError(operation: string): TributaryError {
    return new TributaryError(
      'TRB_LOG_CLOSED',
      `${operation}('${this.topic}', ${this.partition}): the embedded log is closed; open it again with openEmbeddedLog()`,
    );
  }

  private ioError(action: string, cause: unknown): TributaryError {
    return new TributaryError(
      'TRB_LOG_IO_FAILED',
      `topic '${this.topic}' partition ${this.partition}: ${action} failed (${(cause as Error)?.message ?? String(cause)}); ` +
        'check free space and the disk, then reopen the log',
      { cause },
    );
  }
}
