import { TributaryError } from '../../errors.js';
import type { FsyncMode, TopicSettings } from './partition-log.js';
import type { RetentionPolicy } from './retention.js';

/** Settings one topic may override. */
export interface TopicOptions {
  /**
   * How many partitions the topic gets when it is created. A topic that exists keeps the count
   * it has on disk; `createTopic` grows it.
   */
  readonly partitions?: number;
  readonly segmentBytes?: number;
  /** Replaces the log-wide policy for this topic (it is not merged with it). */
  readonly retention?: RetentionPolicy;
}

export interface EmbeddedLogOptions {
  /** The data directory: one sub-directory per topic. Created if missing. */
  readonly dir: string;
  /** How many partitions a new topic gets, unless `topics` says otherwise. Default 1. */
  readonly partitions?: number;
  /** Durability of an acknowledged append; see docs/embedded-log.md. Default `'interval'`. */
  readonly fsync?: FsyncMode;
  /** With `fsync: 'interval'`, how often dirty segments are fsynced. Default 1000. */
  readonly fsyncIntervalMs?: number;
  /** A segment rolls before a batch would take it past this size. Default 64 MiB. */
  readonly segmentBytes?: number;
  /** Bytes between sparse index entries: the most a read scans to find its first record. Default 4 KiB. */
  readonly indexIntervalBytes?: number;
  /** Default for every partition of every topic: `{ maxAgeMs: 7 days }`, no size limit. */
  readonly retention?: RetentionPolicy;
  /** Per-topic overrides, by topic name. */
  readonly topics?: Readonly<Record<string, TopicOptions>>;
  /** Milliseconds since the epoch; for default timestamps and retention by age. Default `Date.now`. */
  readonly clock?: () => number;
}

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
export const DEFAULT_RETENTION: RetentionPolicy = { maxAgeMs: 7 * 24 * 60 * 60 * 1000 };
const MAX_SEGMENT_BYTES = 2 ** 32;
/**
 * Each partition keeps its active segment's file open (and, with `fsync: 'interval'`, a timer):
 * thousands of partitions would run a process out of file descriptors.
 */
export const MAX_PARTITIONS = 1024;
const FSYNC_MODES: readonly FsyncMode[] = ['always', 'interval', 'never'];
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,200}$/;

export const checkTopic = (topic: unknown): string => {
  if (typeof topic === 'string' && TOPIC_NAME.test(topic) && topic !== '.' && topic !== '..') return topic;
  const shown =
    typeof topic === 'string' ? `'${topic.length > 60 ? `${topic.slice(0, 60)}…` : topic}'` : typeof topic;
  throw new TributaryError(
    'TRB_LOG_BAD_TOPIC',
    `topic: ${shown} is not a topic name; use 1–200 characters of A-Z a-z 0-9 . _ - (and not '.' or '..')`,
  );
};

const badConfig = (field: string, value: unknown, fix: string): TributaryError =>
  new TributaryError('TRB_LOG_BAD_CONFIG', `${field}: ${JSON.stringify(value) ?? String(value)} ${fix}`);

const positiveInteger = (
  field: string,
  value: unknown,
  fallback: number,
  max = Number.MAX_SAFE_INTEGER,
): number => {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw badConfig(field, value, `is not an integer from 1 to ${max}`);
  }
  return value;
};

const checkRetention = (field: string, retention: RetentionPolicy | undefined): RetentionPolicy => {
  if (retention === undefined) return DEFAULT_RETENTION;
  if (typeof retention !== 'object' || retention === null) {
    throw badConfig(field, retention, 'is not an object; use { maxBytes?, maxAgeMs? }');
  }
  for (const key of ['maxBytes', 'maxAgeMs'] as const) {
    const value = retention[key];
    if (value !== undefined && (typeof value !== 'number' || Number.isNaN(value) || value <= 0)) {
      throw badConfig(`${field}.${key}`, value, 'is not a positive number; leave it out for no limit');
    }
  }
  return { ...retention };
};

/** The validated options, with a settings object per topic. */
export interface ResolvedOptions {
  readonly dir: string;
  readonly settingsFor: (topic: string) => TopicSettings;
}

export const resolveOptions = (options: EmbeddedLogOptions): ResolvedOptions => {
  if (typeof options !== 'object' || options === null) {
    throw badConfig('options', options, 'is not an object; pass { dir: "path/to/data" }');
  }
  if (typeof options.dir !== 'string' || options.dir === '') {
    throw badConfig(
      'dir',
      options.dir,
      'is not a directory path; pass the data directory, e.g. ".tributary/log"',
    );
  }
  const fsync = options.fsync ?? 'interval';
  if (!FSYNC_MODES.includes(fsync))
    throw badConfig('fsync', fsync, "is not a mode; use 'always', 'interval' or 'never'");
  const fsyncIntervalMs = options.fsyncIntervalMs ?? 1000;
  if (typeof fsyncIntervalMs !== 'number' || !(fsyncIntervalMs > 0) || fsyncIntervalMs > 2 ** 31 - 1) {
    throw badConfig('fsyncIntervalMs', fsyncIntervalMs, 'is not a positive number of milliseconds');
  }
  const clock = options.clock ?? Date.now;
  if (typeof clock !== 'function')
    throw badConfig('clock', clock, 'is not a function returning milliseconds');
  const base: TopicSettings = {
    partitions: positiveInteger('partitions', options.partitions, 1, MAX_PARTITIONS),
    fsync,
    fsyncIntervalMs,
    segmentBytes: positiveInteger(
      'segmentBytes',
      options.segmentBytes,
      DEFAULT_SEGMENT_BYTES,
      MAX_SEGMENT_BYTES,
    ),
    indexIntervalBytes: positiveInteger('indexIntervalBytes', options.indexIntervalBytes, 4096),
    retention: checkRetention('retention', options.retention),
    clock,
  };
  const perTopic = new Map<string, TopicSettings>();
  for (const [topic, overrides] of Object.entries(options.topics ?? {})) {
    checkTopic(topic);
    const field = `topics.${topic}`;
    if (typeof overrides !== 'object' || overrides === null) {
      throw badConfig(field, overrides, 'is not an object; use { partitions?, segmentBytes?, retention? }');
    }
    perTopic.set(topic, {
      ...base,
      partitions: positiveInteger(
        `${field}.partitions`,
        overrides.partitions,
        base.partitions,
        MAX_PARTITIONS,
      ),
      segmentBytes: positiveInteger(
        `${field}.segmentBytes`,
        overrides.segmentBytes,
        base.segmentBytes,
        MAX_SEGMENT_BYTES,
      ),
      retention:
        overrides.retention === undefined
          ? base.retention
          : checkRetention(`${field}.retention`, overrides.retention),
    });
  }
  return { dir: options.dir, settingsFor: (topic) => perTopic.get(topic) ?? base };
};

/** The `partitions` given to `createTopic`: required, unlike the options' defaults. */
export const checkPartitionCount = (value: unknown): number => {
  if (value === undefined) throw badConfig('partitions', value, `is missing; pass 1 to ${MAX_PARTITIONS}`);
  return positiveInteger('partitions', value, 1, MAX_PARTITIONS);
};
