import type { PartitionOffset } from '../source.js';
import type { PartitionSpan } from './partition-span.js';
import type { AppendRecord } from './record-format.js';
import type { AppendResult } from './topic.js';

/**
 * The embedded log as its sources and sinks use it, wherever they run: on the main thread
 * it is the log itself; on a worker thread each call is a message to the main thread, except
 * that a read only asks where the records are (`locate`) and reads the files itself.
 */
export interface LogAccess {
  /** The topic's partition count; the topic is created (with its configured count) if new. */
  partitions(topic: string): Promise<number>;
  /** A reader of partitions for one source; close it when the source closes. */
  openReader(): PartitionReader;
  /** Where the records of one partition from `offset` are on disk (`EmbeddedLog.locate`). */
  locate(topic: string, partition: number, offset: number): Promise<PartitionSpan>;
  /**
   * The end offsets of `positions`' partitions, once at least one of them is past its
   * position, or after `timeoutMs`.
   */
  waitForData(positions: readonly PartitionOffset[], timeoutMs: number): Promise<PartitionOffset[]>;
  append(topic: string, records: readonly AppendRecord[]): Promise<AppendResult>;
}

/**
 * Reads partitions for one source. It may keep what it learnt of a partition (where its
 * records are, an open file) from one read to the next: reads of a partition go on from
 * where the last one ended, except after a revoke or a restore.
 */
export interface PartitionReader {
  /**
   * Records of one partition from `offset`, at most `maxRecords`, as the frames stored on
   * disk (`decodeFrames` checks and decodes them), with the partition's bounds.
   */
  read(topic: string, partition: number, offset: number, maxRecords: number): Promise<LogRead>;
  /** The partition is not read any more (revoked): lets go of what was kept for it. */
  forget(topic: string, partition: number): void;
  close(): void;
}

export interface LogRead {
  /** `count` frames back to back, the first at offset `fromOffset`. */
  readonly frames: Uint8Array;
  readonly count: number;
  readonly fromOffset: number;
  readonly nextOffset: number;
  /** The first offset still retained. */
  readonly startOffset: number;
  /** The offset the next appended record gets. */
  readonly endOffset: number;
}

/** The bytes a read returns at most (about: it returns one record however large). */
export const READ_MAX_BYTES = 1024 * 1024;
