export { ERROR_CODES, type ErrorCode, type ErrorDomain, type ErrorInfo, TributaryError } from '../errors.js';
export * from './aggregators/index.js';
export type { Batch, Key, Position, StreamRecord } from './batch.js';
export { toRecords } from './batch.js';
export { compile, Job, type JobSnapshot, type NodeStats, type SourceBatch } from './job/job.js';
export { type JobSnapshotV1, upgradeSnapshot } from './job/snapshot-upgrade.js';
export type { DeadLetter, JobOutput, LateEvent } from './operators/operator.js';
export type { KeyedProcessFunction, ProcessContext, TimerDomain } from './operators/process.js';
export { type EventTime, type NodeOptions, Pipeline, pipeline, type SourceOptions } from './plan/builder.js';
export type { Plan, PlanInput, PlanNode } from './plan/plan.js';
export { KeyedStream, Stream, WindowedStream, type WindowOptions, WindowOutput } from './plan/streams.js';
export { type Clock, systemClock } from './time/clock.js';
export { type Duration, formatDuration, toMillis } from './time/duration.js';
export { boundedOutOfOrderness, monotonous, WatermarkStrategy } from './time/watermarks.js';
export {
  type HoppingWindows,
  hopping,
  type SessionWindows,
  session,
  type TumblingWindows,
  tumbling,
  type WindowAssigner,
} from './windows/assigners.js';
export type { TimeDomain, WindowResult } from './windows/window-result.js';
