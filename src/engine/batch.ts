/**
 * Records travel through the engine in columnar batches: parallel arrays of values, event
 * timestamps and (downstream of `keyBy`) keys. A stateless chain then costs one array per
 * stage instead of one object per record per stage, which is what lets the engine stay
 * within a small factor of a hand-written loop.
 */

/** A partitioning key. Primitives only, so that state maps and checkpoints stay exact. */
export type Key = string | number | boolean;

/** Where a record came from (topic/partition/offset, log offset, …): enough to find it again. */
export type Position = Readonly<Record<string, string | number>>;

export interface Batch<T> {
  readonly values: T[];
  /** Event time of each record, in ms since the epoch. */
  readonly timestamps: number[];
  /** Partitioning key of each record; present downstream of `keyBy`. */
  readonly keys?: Key[];
  /** Source position of each record, when the source knows it. */
  readonly positions?: (Position | undefined)[];
  /** The source split (partition) all records of this batch came from. */
  readonly split?: string;
  /**
   * The row kind of each record, as in Flink's changelog (`RowKind`): `true` marks a
   * retraction, which withdraws a result emitted earlier and carries that result's values
   * (a session window retracts the rows of sessions that merged or moved). Only batches that
   * carry a retraction have the column (after a filter, it may have none left); without it,
   * every record is a result, which consumers that key by window upsert.
   */
  readonly retractions?: boolean[];
}

/**
 * A batch with every column named, the ones it lacks undefined. Batches made otherwise (a
 * spread, a literal with fewer fields) would each get a shape of their own: one shape keeps
 * every operator's reads of a batch monomorphic, and as it outlives any job, the machine code
 * compiled for one job's batches still fits the next job's.
 */
export const batchOf = <T>(
  values: T[],
  timestamps: number[],
  keys: Key[] | undefined,
  positions: (Position | undefined)[] | undefined,
  split: string | undefined,
  retractions: boolean[] | undefined,
): Batch<T> => ({ values, timestamps, keys, positions, split, retractions });

/** One record, as sinks, dead letters and tests see it. */
export interface StreamRecord<T> {
  readonly value: T;
  readonly timestamp: number;
  readonly key?: Key;
  readonly position?: Position;
  /** Set when the record retracts a result emitted earlier (see `Batch.retractions`). */
  readonly retract?: true;
}

/** The batch as one object per record. */
export const toRecords = <T>(batch: Batch<T>): StreamRecord<T>[] => {
  const records: StreamRecord<T>[] = new Array(batch.values.length);
  for (let i = 0; i < records.length; i++) records[i] = recordAt(batch, i);
  return records;
};

export const recordAt = <T>(batch: Batch<T>, i: number): StreamRecord<T> => {
  const record: { value: T; timestamp: number; key?: Key; position?: Position; retract?: true } = {
    value: batch.values[i],
    timestamp: batch.timestamps[i],
  };
  if (batch.keys) record.key = batch.keys[i];
  const position = batch.positions?.[i];
  if (position) record.position = position;
  if (batch.retractions?.[i]) record.retract = true;
  return record;
};

/**
 * Collects the records an operator keeps or produces, carrying keys, positions and row
 * kinds along only when the input batch has them (row kinds also once `retract` is used).
 */
export class BatchBuilder<T> {
  values: T[] = [];
  timestamps: number[] = [];
  keys: Key[] | undefined;
  positions: (Position | undefined)[] | undefined;
  retractions: boolean[] | undefined;

  constructor(withKeys: boolean, withPositions: boolean, withRetractions = false) {
    if (withKeys) this.keys = [];
    if (withPositions) this.positions = [];
    if (withRetractions) this.retractions = [];
  }

  static like<T>(batch: Batch<unknown>): BatchBuilder<T> {
    return new BatchBuilder<T>(
      batch.keys !== undefined,
      batch.positions !== undefined,
      batch.retractions !== undefined,
    );
  }

  get length(): number {
    return this.values.length;
  }

  /** Adds `value` with the timestamp, key, position and row kind of record `i` of `from`. */
  addFrom(value: T, from: Batch<unknown>, i: number, timestamp = from.timestamps[i]): void {
    this.values.push(value);
    this.timestamps.push(timestamp);
    if (this.keys) this.keys.push(from.keys![i]);
    if (this.positions) this.positions.push(from.positions![i]);
    if (this.retractions) this.retractions.push(from.retractions?.[i] === true);
  }

  add(value: T, timestamp: number, key?: Key, position?: Position): void {
    this.values.push(value);
    this.timestamps.push(timestamp);
    if (this.keys) this.keys.push(key as Key);
    if (this.positions) this.positions.push(position);
    if (this.retractions) this.retractions.push(false);
  }

  /** Adds a retraction of `value`, a result emitted earlier. */
  retract(value: T, timestamp: number, key?: Key, position?: Position): void {
    // The column appears with the first retraction: batches without one stay as they were.
    this.retractions ??= new Array<boolean>(this.values.length).fill(false);
    this.add(value, timestamp, key, position);
    this.retractions[this.retractions.length - 1] = true;
  }

  build(split?: string): Batch<T> {
    return batchOf(this.values, this.timestamps, this.keys, this.positions, split, this.retractions);
  }
}
