export { EmbeddedLog, openEmbeddedLog, type ReadOptions } from './embedded-log.js';
export type { EmbeddedLogOptions, TopicOptions } from './options.js';
export type { AppendRecord, LogRecord } from './record-format.js';
export type { RecoveryReport } from './recovery.js';
export type { RetentionPolicy } from './retention.js';
export type { AppendResult, DeletedSegment, FsyncMode, ReadResult } from './topic-log.js';
