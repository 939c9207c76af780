import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { TributaryError } from '../../engine/errors.js';
import { lockDirectory, syncDirectory } from './directory.js';
import { checkTopic, type EmbeddedLogOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { type AppendRecord, validateBatch } from './record-format.js';
import type { RecoveryReport } from './recovery.js';
import { type AppendResult, type DeletedSegment, type ReadResult, TopicLog } from './topic-log.js';

export interface ReadOptions {
  /** Default 10,000. */
  readonly maxRecords?: number;
  /** Default 1 MiB; one record larger than this is still returned on its own. */
  readonly maxBytes?: number;
}

const DEFAULT_MAX_RECORDS = 10_000;
const DEFAULT_MAX_BYTES = 1024 * 1024;

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

/**
 * The durable, in-process event log of embedded mode: topics of records with dense offsets,
 * stored as segment files under one directory. Ingest appends before it answers, pipelines
 * read from an offset and replay from a checkpointed one after a restart.
 *
 * @example
 * const log = await openEmbeddedLog({ dir: '.tributary/log', fsync: 'always' });
 * const { lastOffset } = await log.append('clicks', [{ key: 'u1', value: Buffer.from('{"page":"/"}') }]);
 * const { records, nextOffset } = await log.read('clicks', 0);
 * await log.close();
 */
export class EmbeddedLog {
  private readonly logs = new Map<string, TopicLog>();
  private readonly creating = new Map<string, Promise<TopicLog>>();
  private closed = false;

  private constructor(
    private readonly options: ResolvedOptions,
    /** What recovery cut off when the log opened: empty after a clean shutdown. */
    readonly recovery: readonly RecoveryReport[],
    logs: readonly TopicLog[],
    private readonly unlock: () => Promise<void>,
  ) {
    for (const log of logs) this.logs.set(log.name, log);
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
    const logs: TopicLog[] = [];
    const reports: RecoveryReport[] = [];
    try {
      const entries = await readdir(dir, { withFileTypes: true });
      for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (!entry.isDirectory() || !isTopicName(entry.name)) continue;
        const { log, report } = await TopicLog.open(
          join(dir, entry.name),
          entry.name,
          resolved.settingsFor(entry.name),
        );
        logs.push(log);
        if (report) reports.push(report);
      }
    } catch (error) {
      await Promise.allSettled(logs.map((log) => log.close()));
      await unlock();
      throw failed(error);
    }
    return new EmbeddedLog(resolved, reports, logs, unlock);
  }

  get dir(): string {
    return this.options.dir;
  }

  /** The topics that exist, sorted by name. */
  topics(): string[] {
    this.assertOpen('topics');
    return [...this.logs.keys()].sort();
  }

  /**
   * Appends a batch with one write and resolves with its offsets once it is as durable as
   * `fsync` promises. Creates the topic on first use. Batches are written in call order.
   */
  append(topic: string, records: readonly AppendRecord[]): Promise<AppendResult> {
    try {
      this.assertOpen('append');
      checkTopic(topic);
      validateBatch(records);
    } catch (error) {
      return Promise.reject(error);
    }
    const log = this.logs.get(topic);
    if (log) return log.append(records);
    return this.createTopic(topic).then((created) => created.append(records));
  }

  /**
   * Records from `fromOffset` on, in offset order. Past the end: no records. Below the
   * retained start: from the first retained offset, which `fromOffset` in the result gives.
   */
  async read(topic: string, fromOffset: number, options: ReadOptions = {}): Promise<ReadResult> {
    this.assertOpen('read');
    checkTopic(topic);
    const from = checkOffset('fromOffset', fromOffset);
    const maxRecords = checkLimit('maxRecords', options.maxRecords, DEFAULT_MAX_RECORDS);
    const maxBytes = checkLimit('maxBytes', options.maxBytes, DEFAULT_MAX_BYTES);
    const log = this.logs.get(topic);
    if (!log) return { records: [], fromOffset: from, nextOffset: from };
    return log.read(from, { maxRecords, maxBytes });
  }

  /**
   * Resolves with the end offset once it is above `offset`, i.e. once the record at `offset`
   * can be read; rejects with `signal.reason` on abort and with TRB_LOG_CLOSED on close.
   * Creates the topic if it does not exist yet, so sources can start before producers.
   */
  waitForData(topic: string, offset: number, signal?: AbortSignal): Promise<number> {
    try {
      this.assertOpen('waitForData');
      checkTopic(topic);
      checkOffset('offset', offset);
    } catch (error) {
      return Promise.reject(error);
    }
    const log = this.logs.get(topic);
    if (log) return log.waitForData(offset, signal);
    return this.createTopic(topic).then((created) => created.waitForData(offset, signal));
  }

  /** The offset the next appended record gets (0 for a topic that does not exist). */
  endOffset(topic: string): number {
    this.assertOpen('endOffset');
    return this.logs.get(checkTopic(topic))?.endOffset ?? 0;
  }

  /** The first offset still retained (0 for a topic that does not exist). */
  startOffset(topic: string): number {
    this.assertOpen('startOffset');
    return this.logs.get(checkTopic(topic))?.startOffset ?? 0;
  }

  /** Applies every topic's retention now (it also runs whenever a segment rolls). */
  async enforceRetention(): Promise<DeletedSegment[]> {
    this.assertOpen('enforceRetention');
    const deleted: DeletedSegment[] = [];
    for (const log of this.logs.values()) deleted.push(...(await log.enforceRetention()));
    return deleted;
  }

  /** Writes and fsyncs every queued append, closes the files and releases the directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled(this.creating.values());
    const results = await Promise.allSettled([...this.logs.values()].map((log) => log.close()));
    await this.unlock();
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private createTopic(topic: string): Promise<TopicLog> {
    let creating = this.creating.get(topic);
    if (!creating) {
      creating = (async () => {
        const topicDir = join(this.dir, topic);
        await mkdir(topicDir, { recursive: true });
        await syncDirectory(this.dir);
        const { log } = await TopicLog.open(topicDir, topic, this.options.settingsFor(topic));
        // close() waits for creations in flight, then closes this log with the others.
        this.logs.set(topic, log);
        return log;
      })()
        .catch((error: unknown) => {
          if (error instanceof TributaryError) throw error;
          throw new TributaryError(
            'TRB_LOG_IO_FAILED',
            `topic '${topic}': creating it in ${this.dir} failed (${(error as Error).message}); check the disk`,
            { cause: error },
          );
        })
        .finally(() => this.creating.delete(topic));
      this.creating.set(topic, creating);
    }
    return creating;
  }

  private assertOpen(operation: string): void {
    if (this.closed) {
      throw new TributaryError(
        'TRB_LOG_CLOSED',
        `${operation}(): the embedded log in ${this.dir} is closed; open it again with openEmbeddedLog()`,
      );
    }
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
 * Opens the embedded log in `options.dir`, recovering each topic from a crash if needed
 * (see `EmbeddedLog.recovery`). Only one open log may use a directory at a time.
 */
export const openEmbeddedLog = (options: EmbeddedLogOptions): Promise<EmbeddedLog> =>
  EmbeddedLog.open(options);
