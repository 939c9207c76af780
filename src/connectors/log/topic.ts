import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDirectory } from './directory.js';
import { type Migration, migrateTopic } from './migration.js';
import { type DeletedSegment, PartitionLog, type TopicSettings } from './partition-log.js';
import { placeRecords, type RoundRobin } from './placement.js';
import type { AppendRecord } from './record-format.js';
import type { RecoveryReport } from './recovery.js';
import { readTopicFile, removeTopicFileLeftover, writeTopicFile } from './topic-file.js';
import { badPartition } from './validate-batch.js';

/** Where one partition put its part of a batch. */
export interface AppendedPartition {
  readonly partition: number;
  readonly baseOffset: number;
  readonly lastOffset: number;
}

export interface AppendResult {
  /** One entry per partition the batch touched, ascending by partition; empty for an empty batch. */
  readonly partitions: readonly AppendedPartition[];
}

export interface OpenedTopic {
  readonly topic: Topic;
  readonly reports: readonly RecoveryReport[];
  readonly migration?: Migration;
}

/**
 * A topic: `topic.json` and one `PartitionLog` per partition directory (`<topic>/0`, `<topic>/1`,
 * …). It places each record of a batch in a partition and hands each partition its part;
 * everything else (group commit, retention, recovery) is per partition.
 */
export class Topic {
  private readonly roundRobin: RoundRobin = { next: 0 };

  private constructor(
    readonly name: string,
    readonly dir: string,
    private readonly settings: TopicSettings,
    private logs: readonly PartitionLog[],
  ) {}

  /**
   * Opens `<root>/<name>`, recovering each partition. A directory without topic.json is either
   * a topic of the layout before partitions (or half-way through moving out of it), which is
   * migrated, or a topic whose creation was cut short, which is created with `partitionsIfNew`
   * (as is a directory that does not exist).
   */
  static async open(
    root: string,
    name: string,
    settings: TopicSettings,
    partitionsIfNew: number,
  ): Promise<OpenedTopic> {
    const dir = join(root, name);
    if ((await mkdir(dir, { recursive: true })) !== undefined) await syncDirectory(root);
    await removeTopicFileLeftover(dir);
    let partitions = await readTopicFile(dir);
    let migration: Migration | undefined;
    if (partitions === undefined) {
      migration = await migrateTopic(dir, name);
      partitions = migration ? 1 : partitionsIfNew;
      // Written before any partition directory: a partition exists only once topic.json counts it.
      if (!migration) await writeTopicFile(dir, partitions);
    }
    const { logs, reports } = await openPartitions(dir, name, settings, 0, partitions);
    const topic = new Topic(name, dir, settings, logs);
    return migration ? { topic, reports, migration } : { topic, reports };
  }

  get partitionCount(): number {
    return this.logs.length;
  }

  /** The partition's log; `partition` must be below `partitionCount`. */
  partition(partition: number): PartitionLog {
    return this.logs[partition];
  }

  /**
   * Places a validated batch and appends each partition's part as one write in that
   * partition's group commit. Resolves once every part is durable; if a part fails, rejects
   * with its error after the others have settled (those may be stored: partitions are not
   * written atomically together).
   */
  append(records: readonly AppendRecord[]): Promise<AppendResult> {
    const logs = this.logs;
    if (records.length === 0) return Promise.resolve({ partitions: [] });
    if (logs.length === 1) {
      // The common case needs no placement: the whole batch is partition 0's. Round-robin
      // still counts its records, so that it goes on where it should once the topic grows.
      for (let i = 0; i < records.length; i++) {
        const { partition, key } = records[i];
        if (partition !== undefined && partition !== 0) {
          return Promise.reject(badPartition(i, partition, this.name, 1));
        }
        if (partition === undefined && key === undefined) this.roundRobin.next++;
      }
      return logs[0]
        .append(records)
        .then(({ baseOffset, lastOffset }) => ({ partitions: [{ partition: 0, baseOffset, lastOffset }] }));
    }
    let parts: AppendRecord[][];
    try {
      parts = placeRecords(records, logs.length, this.name, this.roundRobin);
    } catch (error) {
      return Promise.reject(error);
    }
    const touched: number[] = [];
    const appends: Promise<{ baseOffset: number; lastOffset: number }>[] = [];
    for (let partition = 0; partition < parts.length; partition++) {
      if (parts[partition].length === 0) continue;
      touched.push(partition);
      appends.push(logs[partition].append(parts[partition]));
    }
    return Promise.allSettled(appends).then((results) => {
      const partitions: AppendedPartition[] = [];
      for (let i = 0; i < results.length; i++) {
        const result = results[i];
        if (result.status === 'rejected') throw result.reason;
        partitions.push({ partition: touched[i], ...result.value });
      }
      return { partitions };
    });
  }

  /** Adds empty partitions up to `partitions` (never removes any): topic.json first, then their directories. */
  async grow(partitions: number): Promise<void> {
    const current = this.logs.length;
    if (partitions <= current) return;
    await writeTopicFile(this.dir, partitions);
    const { logs } = await openPartitions(this.dir, this.name, this.settings, current, partitions);
    this.logs = [...this.logs, ...logs];
  }

  async enforceRetention(): Promise<DeletedSegment[]> {
    const deleted: DeletedSegment[] = [];
    for (const log of this.logs) deleted.push(...(await log.enforceRetention()));
    return deleted;
  }

  async close(): Promise<void> {
    const results = await Promise.allSettled(this.logs.map((log) => log.close()));
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/**
 * Opens partitions `from` to `to - 1`, creating a directory that is missing: a crash between
 * writing topic.json and creating the directory leaves that, with nothing in it to lose.
 */
const openPartitions = async (
  dir: string,
  topic: string,
  settings: TopicSettings,
  from: number,
  to: number,
): Promise<{ logs: PartitionLog[]; reports: RecoveryReport[] }> => {
  const logs: PartitionLog[] = [];
  const reports: RecoveryReport[] = [];
  try {
    for (let partition = from; partition < to; partition++) {
      const partitionDir = join(dir, String(partition));
      if ((await mkdir(partitionDir, { recursive: true })) !== undefined) await syncDirectory(dir);
      const { log, report } = await PartitionLog.open(partitionDir, topic, partition, settings);
      logs.push(log);
      if (report) reports.push(report);
    }
  } catch (error) {
    await Promise.allSettled(logs.map((log) => log.close()));
    throw error;
  }
  return { logs, reports };
};
