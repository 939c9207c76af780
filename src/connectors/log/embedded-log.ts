import { mkdir, readdir } from 'node:fs/promises';
import { TributaryError } from '../../errors.js';
import { lockDirectory } from './directory.js';
import { READ_MAX_BYTES } from './log-access.js';
import type { Migration } from './migration.js';
import {
  checkPartitionCount,
  checkTopic,
  type EmbeddedLogOptions,
  type ResolvedOptions,
  resolveOptions,
} from './options.js';
import type { DeletedSegment, ReadResult } from './partition-log.js';
import type { PartitionSpan } from './partition-span.js';
import type { AppendRecord } from './record-format.js';
import type { RecoveryReport } from './recovery.js';
import { type AppendResult, Topic } from './topic.js';
import { validateBatch } from './validate-batch.js';

export interface ReadOptions {
  /** Default 10,000. */
  readonly maxRecords?: number;
  /** Default 1 MiB; one record larger than this is still returned on its own. */
  readonly maxBytes?: number;
}

export interface CreateTopicOptions {
  /** The partition count the topic should have: at least the count it has now. */
  readonly partitions: number;
}

const DEFAULT_MAX_RECORDS = 10_000;
const DEFAULT_MAX_BYTES = READ_MAX_BYTES;

const checkOffset = (field: string, value: unknown): number => {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  throw new TributaryError(
    'TRB_LOG_BAD_READ',
    `${field}: ${String(value)} is not an offset; pass an integer >= 0 (0 reads from the start)`,
  );
};

const checkLimit = (field: string, value: unknown, fallback: number): number => {
  if (value === undefined) return fallback;
  if (
    typeof value === 'number' &&
    value >= 1 &&
    (Number.isInteger(value) || value === Number.POSITIVE_INFINITY)
  ) {
    return value;
  }
  throw new TributaryError(
    'TRB_LOG_BAD_READ',
    `${field}: ${String(value)} is not a whole number >= 1; pass a limit >= 1`,
  );
};

const partitionCount = (count: number): string => (count === 1 ? '1 partition' : `${count} partitions`);

/**
 * The durable, in-process event log of embedded mode: topics split into partitions, each a
 * sequence of records with dense offsets from 0, stored as segment files under one
 * directory. Ingest appends before it answers; pipelines read a partition from an offset and
 * replay from a checkpointed one after a restart. Records are placed as Kafka places them:
 * by `partition`, else by key hash, else round-robin.
 *
 * @example
 * const log = await openEmbeddedLog({ dir: '.tributary/log', fsync: 'always' });
 * await log.createTopic('clicks', { partitions: 4 });
 * const { partitions } = await log.append('clicks', [{ key: 'u1', value: Buffer.from('{"page":"/"}') }]);
 * const [{ partition, baseOffset }] = partitions;
 * const { records, nextOffset } = await log.read('clicks', partition, baseOffset);
 * await log.close();
 */
export class EmbeddedLog {
  private readonly topicsByName = new Map<string, Topic>();
  /** Creations and growths in flight, per topic: they run one at a time. */
  private readonly changing = new Map<string, Promise<Topic>>();
  private closed = false;

  private constructor(
    private readonly options: ResolvedOptions,
    /** What recovery cut off when the log opened: empty after a clean shutdown. */
    readonly recovery: readonly RecoveryReport[],
    /** Topics moved from the layout before partitions when the log opened (each once, ever). */
    readonly migrations: readonly Migration[],
    topics: readonly Topic[],
    private readonly unlock: () => Promise<void>,
  ) {
    for (const topic of topics) this.topicsByName.set(topic.name, topic);
  }

  /** Opens the data directory, recovering every topic in it; see `openEmbeddedLog`. */
  static async open(options: EmbeddedLogOptions): Promise<EmbeddedLog> {
    const resolved = resolveOptions(options);
    const { dir } = resolved;
    const failed = (error: unknown): TributaryError =>
      error instanceof TributaryError
        ? error
        : new TributaryError(
            'TRB_LOG_IO_FAILED',
            `dir: opening the embedded log in ${dir} failed (${(error as Error).message}); check the path and its permissions`,
            { cause: error },
          );
    let unlock: () => Promise<void>;
    try {
      await mkdir(dir, { recursive: true });
      unlock = await lockDirectory(dir);
    } catch (error) {
      throw failed(error);
    }
    const topics: Topic[] = [];
    const reports: RecoveryReport[] = [];
    const migrations: Migration[] = [];
    try {
      const entries = await readdir(dir, { withFileTypes: true });
      for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (!entry.isDirectory() || !isTopicName(entry.name)) continue;
        const settings = resolved.settingsFor(entry.name);
        const opened = await Topic.open(dir, entry.name, settings, settings.partitions);
        topics.push(opened.topic);
        reports.push(...opened.reports);
        if (opened.migration) migrations.push(opened.migration);
      }
    } catch (error) {
      await Promise.allSettled(topics.map((topic) => topic.close()));
      await unlock();
      throw failed(error);
    }
    return new EmbeddedLog(resolved, reports, migrations, topics, unlock);
  }

  get dir(): string {
    return this.options.dir;
  }

  /** The topics that exist, sorted by name. */
  topics(): string[] {
    this.assertOpen('topics');
    return [...this.topicsByName.keys()].sort();
  }

  /** How many partitions `topic` has; 0 when it does not exist. */
  partitions(topic: string): number {
    this.assertOpen('partitions');
    return this.topicsByName.get(checkTopic(topic))?.partitionCount ?? 0;
  }

  /**
   * Creates `topic` with `partitions` partitions, or grows it to that many (the new ones start
   * empty at offset 0). A topic never shrinks: fewer than it has is TRB_LOG_BAD_CONFIG. Growing
   * changes where keys land from then on, as in Kafka.
   */
  createTopic(topic: string, options: CreateTopicOptions): Promise<{ topic: string; partitions: number }> {
    let partitions: number;
    try {
      this.assertOpen('createTopic');
      checkTopic(topic);
      partitions = checkPartitionCount(options?.partitions);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.change(topic, async (existing) => {
      if (!existing) return this.openTopic(topic, partitions);
      if (partitions < existing.partitionCount) {
        throw new TributaryError(
          'TRB_LOG_BAD_CONFIG',
          `partitions: topic '${topic}' has ${partitionCount(existing.partitionCount)} on disk, and ${partitions} ` +
            `was asked for; partitions can only grow, so pass ${existing.partitionCount} or more`,
        );
      }
      await existing.grow(partitions);
      return existing;
    }).then((created) => ({ topic, partitions: created.partitionCount }));
  }

  /**
   * Appends a batch and resolves, once it is as durable as `fsync` promises, with the offsets
   * it got in each partition it touched. Creates the topic on first use with its configured
   * partition count. Each record goes to `record.partition` if given, else to Kafka's
   * partition for its key, else round-robin; records sharing a partition keep their order,
   * and each partition's part is one write. Batches are written in call order.
   */
  append(topic: string, records: readonly AppendRecord[]): Promise<AppendResult> {
    const existing = this.topicsByName.get(topic);
    try {
      this.assertOpen('append');
      checkTopic(topic);
      const partitions = existing?.partitionCount ?? this.options.settingsFor(topic).partitions;
      validateBatch(records, topic, partitions);
    } catch (error) {
      return Promise.reject(error);
    }
    if (existing) return existing.append(records);
    return this.topicFor(topic).then((created) => created.append(records));
  }

  /**
   * Records of one partition from `fromOffset` on, in offset order. Past the end: no records.
   * Below the retained start: from the first retained offset, which `fromOffset` in the
   * result gives. A topic that does not exist yet reads as empty.
   */
  async read(
    topic: string,
    partition: number,
    fromOffset: number,
    options: ReadOptions = {},
  ): Promise<ReadResult> {
    this.assertOpen('read');
    const log = this.partitionOf(topic, partition);
    const from = checkOffset('fromOffset', fromOffset);
    const maxRecords = checkLimit('maxRecords', options.maxRecords, DEFAULT_MAX_RECORDS);
    const maxBytes = checkLimit('maxBytes', options.maxBytes, DEFAULT_MAX_BYTES);
    if (!log) return { records: [], fromOffset: from, nextOffset: from };
    return log.read(from, { maxRecords, maxBytes });
  }

  /**
   * Where the records of a partition from `fromOffset` are, for a reader that opens the
   * files itself (`readPartitionSpan`): no I/O here, so serving a worker thread's reads
   * costs the thread that owns the log nothing per record.
   */
  locate(topic: string, partition: number, fromOffset: number): PartitionSpan {
    this.assertOpen('locate');
    const log = this.partitionOf(topic, partition);
    const from = checkOffset('fromOffset', fromOffset);
    return log ? log.locate(from) : { fromOffset: from, startOffset: 0, endOffset: 0 };
  }

  /**
   * Resolves with the partition's end offset once it is above `offset`, i.e. once the record
   * at `offset` can be read; rejects with `signal.reason` on abort and with TRB_LOG_CLOSED on
   * close. Creates the topic if it does not exist yet, so sources can start before producers.
   */
  waitForData(topic: string, partition: number, offset: number, signal?: AbortSignal): Promise<number> {
    let log: ReturnType<EmbeddedLog['partitionOf']>;
    try {
      this.assertOpen('waitForData');
      log = this.partitionOf(topic, partition);
      checkOffset('offset', offset);
    } catch (error) {
      return Promise.reject(error);
    }
    if (log) return log.waitForData(offset, signal);
    return this.topicFor(topic).then((created) => {
      if (partition >= created.partitionCount)
        throw this.badPartition(topic, partition, created.partitionCount);
      return created.partition(partition).waitForData(offset, signal);
    });
  }

  /** The offset the next record appended to the partition gets (0 for a topic that does not exist). */
  endOffset(topic: string, partition: number): number {
    this.assertOpen('endOffset');
    return this.partitionOf(topic, partition)?.endOffset ?? 0;
  }

  /** The partition's first offset still retained (0 for a topic that does not exist). */
  startOffset(topic: string, partition: number): number {
    this.assertOpen('startOffset');
    return this.partitionOf(topic, partition)?.startOffset ?? 0;
  }

  /** Applies every partition's retention now (it also runs whenever a segment rolls). */
  async enforceRetention(): Promise<DeletedSegment[]> {
    this.assertOpen('enforceRetention');
    const deleted: DeletedSegment[] = [];
    for (const topic of this.topicsByName.values()) deleted.push(...(await topic.enforceRetention()));
    return deleted;
  }

  /** Writes and fsyncs every queued append, closes the files and releases the directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled(this.changing.values());
    const results = await Promise.allSettled([...this.topicsByName.values()].map((topic) => topic.close()));
    await this.unlock();
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * The partition's log, or undefined when the topic does not exist yet — then `partition`
   * is checked against the count the topic will be created with.
   */
  private partitionOf(topic: string, partition: number) {
    const existing = this.topicsByName.get(checkTopic(topic));
    const count = existing?.partitionCount ?? this.options.settingsFor(topic).partitions;
    if (!(Number.isInteger(partition) && partition >= 0 && partition < count)) {
      throw this.badPartition(topic, partition, count, existing === undefined);
    }
    return existing?.partition(partition);
  }

  private badPartition(topic: string, partition: unknown, count: number, creating = false): TributaryError {
    const has = creating
      ? `does not exist yet and will be created with ${partitionCount(count)}`
      : `has ${partitionCount(count)}`;
    return new TributaryError(
      'TRB_LOG_BAD_READ',
      `partition: ${String(partition)} is not a partition of topic '${topic}', which ${has}; ` +
        `pass 0${count > 1 ? ` to ${count - 1}` : ''}`,
    );
  }

  /** The topic, created with its configured partition count if it does not exist. */
  private topicFor(topic: string): Promise<Topic> {
    return this.change(
      topic,
      async (existing) => existing ?? this.openTopic(topic, this.options.settingsFor(topic).partitions),
    );
  }

  /** Runs `step` after the topic's previous creation or growth, so they never interleave. */
  private change(topic: string, step: (existing: Topic | undefined) => Promise<Topic>): Promise<Topic> {
    const previous = this.changing.get(topic) ?? Promise.resolve(undefined);
    const next = previous
      .catch(() => undefined)
      // Not refused after close(): only calls made before it get here, and close() waits for them.
      .then(() => step(this.topicsByName.get(topic)))
      .catch((error: unknown) => {
        if (error instanceof TributaryError) throw error;
        throw new TributaryError(
          'TRB_LOG_IO_FAILED',
          `topic '${topic}': creating or growing it in ${this.dir} failed (${(error as Error).message}); check the disk`,
          { cause: error },
        );
      });
    this.changing.set(topic, next);
    const forget = (): void => {
      if (this.changing.get(topic) === next) this.changing.delete(topic);
    };
    next.then(forget, forget);
    return next;
  }

  private async openTopic(topic: string, partitions: number): Promise<Topic> {
    const { topic: created } = await Topic.open(this.dir, topic, this.options.settingsFor(topic), partitions);
    // close() waits for changes in flight, then closes this topic with the others.
    this.topicsByName.set(topic, created);
    return created;
  }

  private assertOpen(operation: string): void {
    if (this.closed) throw this.closedError(operation);
  }

  private closedError(operation: string): TributaryError {
    return new TributaryError(
      'TRB_LOG_CLOSED',
      `${operation}(): the embedded log in ${this.dir} is closed; open it again with openEmbeddedLog()`,
    );
  }
}

const isTopicName = (name: string): boolean => {
  try {
    checkTopic(name);
    return true;
  } catch {
    return false;
  }
};

/**
 * Opens the embedded log in `options.dir`, recovering each partition from a crash if needed
 * (see `EmbeddedLog.recovery`) and moving topics of the layout before partitions (see
 * `EmbeddedLog.migrations`). Only one open log may use a directory at a time.
 */
export const openEmbeddedLog = (options: EmbeddedLogOptions): Promise<EmbeddedLog> =>
  EmbeddedLog.open(options);
