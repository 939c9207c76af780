import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import {
  type AppendRecord,
  type AppendResult,
  type EmbeddedLog,
  type EmbeddedLogOptions,
  type LogRecord,
  openEmbeddedLog,
} from '../../../src/connectors/log/index.js';

const dirs: string[] = [];
const logs: EmbeddedLog[] = [];

afterEach(async () => {
  await Promise.allSettled(logs.splice(0).map((log) => log.close()));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh directory under the OS temp dir, removed after the test. */
export const tempDir = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-log-'));
  dirs.push(dir);
  return dir;
};

/** Closes the log after the test if the test did not. */
export const track = <T extends EmbeddedLog>(log: T): T => {
  logs.push(log);
  return log;
};

/** Opens a log in `dir` (with `fsync: 'never'` unless told otherwise), closed after the test. */
export const openLog = async (dir: string, options: Partial<EmbeddedLogOptions> = {}): Promise<EmbeddedLog> =>
  track(await openEmbeddedLog({ dir, fsync: 'never', ...options }));

/** What `append` answers for a batch that all went to one partition. */
export const appended = (baseOffset: number, lastOffset: number, partition = 0): AppendResult => ({
  partitions: [{ partition, baseOffset, lastOffset }],
});

/** The base offset of a batch that all went to one partition. */
export const baseOf = (result: AppendResult): number => {
  if (result.partitions.length !== 1)
    throw new Error(`the batch went to ${result.partitions.length} partitions`);
  return result.partitions[0].baseOffset;
};

/** A record whose value says which record it is, so a mix-up shows in the failure. */
export const record = (id: string, extra: Partial<AppendRecord> = {}): AppendRecord => ({
  value: Buffer.from(`value-${id}`),
  ...extra,
});

export const batch = (prefix: string, size: number): AppendRecord[] =>
  Array.from({ length: size }, (_, i) => record(`${prefix}-${i}`));

/** Every record of a partition (0 unless given), read in small pages to cross segment and chunk boundaries. */
export const readAll = async (
  log: EmbeddedLog,
  topic: string,
  from = 0,
  pageSize = 7,
  partition = 0,
): Promise<LogRecord[]> => {
  const all: LogRecord[] = [];
  for (let offset = from; ; ) {
    const { records, nextOffset } = await log.read(topic, partition, offset, { maxRecords: pageSize });
    if (records.length === 0) return all;
    all.push(...records);
    offset = nextOffset;
  }
};

export const values = (records: readonly { value: Uint8Array }[]): string[] =>
  records.map((r) => Buffer.from(r.value).toString());

export const segmentFiles = async (dir: string): Promise<string[]> =>
  (await readdir(dir)).filter((name) => name.endsWith('.log')).sort();
