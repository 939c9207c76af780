import { sleep, untilAborted } from '../../abortable.js';
import { TributaryError } from '../../errors.js';
import {
  type PartitionLag,
  type PartitionOffset,
  type PartitionStart,
  partitionId,
  type RecordBatch,
  type Source,
  setPaused,
  type TopicPartition,
} from '../source.js';
import { decodeFrames } from './frame-batch.js';
import type { LogAccess, LogRead, PartitionReader } from './log-access.js';

interface Assigned {
  readonly topic: string;
  readonly partition: number;
  position: number;
  /** The partition's end offset as last seen. */
  end: number;
  /** Its first retained offset as last seen. */
  start: number;
  paused: boolean;
}

/**
 * A topic of the embedded log as a pipeline's source. It keeps a position per assigned
 * partition, reads partitions in turn, and learns their end offsets from every read and
 * wait, so lag is known without asking.
 */
export class LogSource implements Source {
  readonly topics: readonly string[];
  private readonly assigned = new Map<string, Assigned>();
  /** Where the next read looks first, so that no partition starves. */
  private cursor = 0;
  /** A read started ahead of time, and what it reads. */
  private ahead: { at: Assigned; offset: number; maxRecords: number; read: Promise<LogRead> } | undefined;
  private readonly reader: PartitionReader;

  constructor(
    readonly name: string,
    private readonly topic: string,
    private readonly log: LogAccess,
  ) {
    this.topics = [topic];
    this.reader = log.openReader();
  }

  async partitions(): Promise<TopicPartition[]> {
    const count = await this.log.partitions(this.topic);
    return Array.from({ length: count }, (_, partition) => ({ topic: this.topic, partition }));
  }

  assign(positions: readonly PartitionStart[]): void {
    for (const { topic, partition, offset = 0 } of positions) {
      if (topic !== this.topic) {
        throw new TributaryError(
          'TRB_INTERNAL',
          `source "${this.name}" reads topic "${this.topic}" and was assigned a partition of "${topic}"`,
        );
      }
      this.assigned.set(partitionId({ topic, partition }), {
        topic,
        partition,
        position: offset,
        end: offset,
        start: 0,
        paused: false,
      });
    }
  }

  revoke(partitions: readonly TopicPartition[]): void {
    for (const partition of partitions) {
      this.assigned.delete(partitionId(partition));
      this.reader.forget(partition.topic, partition.partition);
    }
  }

  async read(maxRecords: number): Promise<RecordBatch | undefined> {
    const list = [...this.assigned.values()];
    for (let n = 0; n < list.length; n++) {
      const at = list[(this.cursor + n) % list.length];
      if (at.paused || at.end <= at.position) continue;
      const read = await this.take(at, maxRecords);
      // Revoked or paused while the read was under way: its records are not for now.
      if (this.assigned.get(partitionId(at)) !== at || at.paused) continue;
      at.start = read.startOffset;
      at.end = read.endOffset;
      this.cursor = (this.cursor + n + 1) % list.length;
      at.position = Math.max(at.position, read.nextOffset);
      if (read.count === 0) continue;
      this.readAhead(maxRecords);
      return decodeFrames(at.topic, at.partition, read.frames, read.count, read.nextOffset);
    }
    return undefined;
  }

  /** The read of `at` at its position: the one already under way, or a new one. */
  private take(at: Assigned, maxRecords: number): Promise<LogRead> {
    const ahead = this.ahead;
    this.ahead = undefined;
    if (ahead && ahead.at === at && ahead.offset === at.position && ahead.maxRecords === maxRecords)
      return ahead.read;
    ahead?.read.catch(() => {}); // not wanted any more: nobody waits for it
    return this.reader.read(at.topic, at.partition, at.position, maxRecords);
  }

  /**
   * Starts the next read while the task works on the batch just returned: on a worker
   * thread each read is a round trip to the main thread and the disk, which would
   * otherwise leave the worker idle between batches.
   */
  private readAhead(maxRecords: number): void {
    const list = [...this.assigned.values()];
    for (let n = 0; n < list.length; n++) {
      const at = list[(this.cursor + n) % list.length];
      if (at.paused || at.end <= at.position) continue;
      const read = this.reader.read(at.topic, at.partition, at.position, maxRecords);
      this.ahead = { at, offset: at.position, maxRecords, read };
      return;
    }
  }

  async waitForRecords(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const waiting = [...this.assigned.values()].filter((a) => !a.paused);
    if (waiting.some((a) => a.end > a.position) || signal?.aborted || waiting.length === 0) {
      if (waiting.length === 0 && !signal?.aborted) await sleep(timeoutMs, signal);
      return;
    }
    const ends = await untilAborted(
      this.log.waitForData(
        waiting.map(({ topic, partition, position }) => ({ topic, partition, offset: position })),
        timeoutMs,
      ),
      signal,
    );
    for (const { topic, partition, offset } of ends ?? []) {
      const at = this.assigned.get(partitionId({ topic, partition }));
      if (at) at.end = Math.max(at.end, offset);
    }
  }

  positions(): PartitionOffset[] {
    return [...this.assigned.values()].map(({ topic, partition, position }) => ({
      topic,
      partition,
      offset: position,
    }));
  }

  lag(): PartitionLag[] {
    return [...this.assigned.values()].map(({ topic, partition, position, end, start }) => ({
      topic,
      partition,
      position,
      end,
      lag: Math.max(0, end - Math.max(position, start)),
    }));
  }

  pause(partitions: readonly TopicPartition[]): void {
    setPaused(this.assigned, partitions, true);
  }

  resume(partitions: readonly TopicPartition[]): void {
    setPaused(this.assigned, partitions, false);
  }

  /** The checkpoint holds the positions; the embedded log keeps no consumer offsets. */
  async acknowledge(): Promise<void> {}

  async close(): Promise<void> {
    this.assigned.clear();
    this.ahead?.read.catch(() => {});
    this.ahead = undefined;
    this.reader.close();
  }
}
