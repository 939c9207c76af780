/**
 * The source contract: what a pipeline task reads from. A source reads one or more topics;
 * a topic has partitions, each an ordered sequence of records with offsets. A task is
 * assigned partitions (and revoked them) at any moment — by the platform's assignment in
 * embedded mode, by a consumer group's rebalance on Kafka — and reads them from the
 * positions its checkpoint holds. The embedded log is the first implementation.
 *
 * Positions belong to the task's checkpoint, not to the source: after a restart the task
 * assigns the checkpointed positions and the records after them are read again. What a
 * source does with `acknowledge` (a Kafka group commit) is progress reporting only.
 */

/** A partition of a topic: the unit that is assigned, read and reported on. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** Where reading resumes in a partition: the offset of the next record to read. */
export interface PartitionOffset extends TopicPartition {
  readonly offset: number;
}

/**
 * Where an assigned partition starts: the offset its checkpoint holds, or none — then the
 * source decides (the embedded log from its first record, Kafka by the source's `start`).
 */
export interface PartitionStart extends TopicPartition {
  readonly offset?: number;
}

/** Record headers, as Kafka's: ordered, and a key may repeat. */
export type RecordHeaders = readonly (readonly [string, Uint8Array])[];

/**
 * Records of one partition in offset order, column by column. Value `i` is
 * `data.subarray(valueStarts[i], valueEnds[i])`: every value lies in one buffer, so a batch
 * crosses to a worker thread as a few transferable arrays instead of thousands of objects,
 * and decoding reads straight from it.
 */
export interface RecordBatch {
  readonly topic: string;
  readonly partition: number;
  readonly count: number;
  readonly offsets: Float64Array;
  /** The record's timestamp (ms since the epoch): its create or append time. */
  readonly timestamps: Float64Array;
  /** UTF-8 keys; undefined for a record without one. */
  readonly keys: readonly (string | undefined)[];
  /** Absent when no record of the batch has headers. */
  readonly headers?: readonly (RecordHeaders | undefined)[];
  readonly data: Uint8Array;
  readonly valueStarts: Uint32Array;
  readonly valueEnds: Uint32Array;
  /** The offset to read next in this partition (past any gap, such as retention or markers). */
  readonly nextOffset: number;
}

/** How far a task is behind in one partition. */
export interface PartitionLag extends TopicPartition {
  /** The next offset the task reads. */
  readonly position: number;
  /** The offset the next record appended to the partition will get. */
  readonly end: number;
  /** Records not read yet: `end - max(position, first retained offset)`. */
  readonly lag: number;
}

export interface Source {
  /** The source's name in the configuration. */
  readonly name: string;
  /** The topics it reads. */
  readonly topics: readonly string[];
  /** Every partition of those topics as the log or cluster has them now. */
  partitions(): Promise<TopicPartition[]>;
  /** Starts reading these partitions from these offsets, beside those already assigned. */
  assign(positions: readonly PartitionStart[]): void;
  /** Stops reading these partitions; what a read in flight returns for them is dropped. */
  revoke(partitions: readonly TopicPartition[]): void;
  /**
   * The next batch of an assigned, unpaused partition that has records past its position,
   * taking partitions in turn so that none starves; advances that partition's position.
   * Undefined at once when none has records ready: `waitForRecords` waits for them.
   */
  read(maxRecords: number): Promise<RecordBatch | undefined>;
  /**
   * Resolves once `read` would return records, after `timeoutMs` at the latest, or when
   * `signal` aborts. Consumes nothing, so a task can wait on several sources at once.
   */
  waitForRecords(timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /** The next offset to read, per assigned partition. */
  positions(): PartitionOffset[];
  /** Per assigned partition, how many records are not read yet (as last known). */
  lag(): PartitionLag[];
  /** Stops returning records of these partitions until `resume`; positions stay. */
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  /** A checkpoint holding these positions is durable: report progress (a Kafka group commit). */
  acknowledge(positions: readonly PartitionOffset[]): Promise<void>;
  close(): Promise<void>;
}

/** `topic/partition`, the id a partition goes by in watermarks, metrics and checkpoints. */
export const partitionId = ({ topic, partition }: TopicPartition): string => `${topic}/${partition}`;

/** Marks the assigned partitions among `partitions` paused or not; others are ignored. */
export const setPaused = (
  assigned: ReadonlyMap<string, { paused: boolean }>,
  partitions: readonly TopicPartition[],
  paused: boolean,
): void => {
  for (const partition of partitions) {
    const at = assigned.get(partitionId(partition));
    if (at) at.paused = paused;
  }
};

/** Value `i` of a batch: a view into the batch's buffer, not a copy. */
export const valueAt = (batch: RecordBatch, i: number): Uint8Array =>
  batch.data.subarray(batch.valueStarts[i], batch.valueEnds[i]);

/**
 * A batch cut after its first `count` records: both parts are views of the batch's columns
 * (nothing copied), the first ending where the second begins.
 */
export const splitBatch = (batch: RecordBatch, count: number): [RecordBatch, RecordBatch] => {
  const part = (from: number, to: number, nextOffset: number): RecordBatch => ({
    topic: batch.topic,
    partition: batch.partition,
    count: to - from,
    offsets: batch.offsets.subarray(from, to),
    timestamps: batch.timestamps.subarray(from, to),
    keys: batch.keys.slice(from, to),
    ...(batch.headers ? { headers: batch.headers.slice(from, to) } : {}),
    data: batch.data,
    valueStarts: batch.valueStarts.subarray(from, to),
    valueEnds: batch.valueEnds.subarray(from, to),
    nextOffset,
  });
  return [part(0, count, batch.offsets[count]), part(count, batch.count, batch.nextOffset)];
};
