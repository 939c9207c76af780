export {
  type CreateTopicOptions,
  EmbeddedLog,
  openEmbeddedLog,
  type ReadOptions,
} from './embedded-log.js';
export type { Migration } from './migration.js';
export type { EmbeddedLogOptions, TopicOptions } from './options.js';
export type { DeletedSegment, FsyncMode, ReadResult } from './partition-log.js';
export { partitionForKey } from './partitioner.js';
export type { AppendRecord, LogRecord, RecordHeader } from './record-format.js';
export type { RecoveryReport } from './recovery.js';
export type { RetentionPolicy } from './retention.js';
export type { AppendedPartition, AppendResult } from './topic.js';
