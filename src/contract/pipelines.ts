import { type Static, Type } from 'typebox';
import { Count, List, Millis, Nullable } from './fields.js';
import { PIPELINE_STATES } from './vocabulary.js';

export const PipelineStateSchema = Type.Enum(PIPELINE_STATES);
export type PipelineState = Static<typeof PipelineStateSchema>;

/** One operator of a pipeline's graph, with its counters. */
export const OperatorStatusSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  inputs: List(Type.String({ description: 'Id of an operator it reads from' })),
  recordsIn: Count,
  recordsOut: Count,
  recordsOutPerSec: Count,
  deadLetters: Count,
  late: Count,
  watermark: Nullable(Millis),
});
export type OperatorStatus = Static<typeof OperatorStatusSchema>;

/** A restore under way: key groups of the last checkpoint loaded so far, of those the tasks own. */
export const RecoverySchema = Type.Object({
  keyGroups: Type.Number({ minimum: 0, description: 'Key groups whose state the restoring tasks load' }),
  restored: Type.Number({ minimum: 0, description: 'Key groups loaded so far' }),
});
export type Recovery = Static<typeof RecoverySchema>;

/** One task of a pipeline: it reads every partition of its topics, or one, on one member. */
export const PipelineTaskStatusSchema = Type.Object({
  task: Type.String({ description: '`all`, or the partition number it reads' }),
  member: Type.String({ description: 'Where it runs: `main` (the main thread) or `worker-N`' }),
  status: PipelineStateSchema,
  lag: Count,
  watermark: Nullable(Millis),
  lastCheckpoint: Nullable(Type.Object({ at: Millis, durationMs: Count })),
  recovery: Nullable(RecoverySchema),
});
export type PipelineTaskStatus = Static<typeof PipelineTaskStatusSchema>;

/** Where a pipeline's task stands in one partition of a source topic. */
export const PartitionStatusSchema = Type.Object({
  topic: Type.String(),
  partition: Type.Integer({ minimum: 0 }),
  task: Type.String({ description: 'The task that reads it' }),
  position: Type.Number({ description: 'The next offset the task reads' }),
  end: Type.Number({ description: 'The offset the next record appended gets' }),
  lag: Type.Number({ minimum: 0, description: 'Records not read yet' }),
});
export type PartitionStatus = Static<typeof PartitionStatusSchema>;

/** `GET /api/v1/pipelines/:name`, and every second on the `pipeline:<name>` channel. */
export const PipelineStatusSchema = Type.Object({
  name: Type.String(),
  status: PipelineStateSchema,
  error: Type.Optional(Type.String()),
  sources: List(Type.String()),
  sinks: List(Type.String()),
  eventsInPerSec: Count,
  eventsOutPerSec: Count,
  recordsIn: Count,
  recordsOut: Count,
  deadLetters: Count,
  lateEvents: Count,
  lag: Type.Number({ description: 'Records in the source topics not yet read' }),
  watermark: Nullable(
    Type.Number({ description: "Event-time watermark (ms) of the pipeline's slowest sink input" }),
  ),
  watermarkLagMs: Nullable(Type.Number({ description: 'Processing time minus watermark' })),
  lastCheckpoint: Nullable(Type.Object({ at: Millis, durationMs: Count })),
  /** Summed over the tasks restoring now; null when none is. */
  recovery: Nullable(RecoverySchema),
  operators: List(OperatorStatusSchema),
  tasks: List(PipelineTaskStatusSchema),
  /** The source partitions the tasks running here read, by topic and partition. */
  partitions: List(PartitionStatusSchema),
});
export type PipelineStatus = Static<typeof PipelineStatusSchema>;

/** A dead letter or late event as kept for inspection. */
export const StoredRecordSchema = Type.Object({
  at: Millis,
  operator: Type.String(),
  value: Type.Unknown(),
  timestamp: Type.Number(),
  key: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
  error: Type.Optional(
    Type.Object({ name: Type.String(), message: Type.String(), code: Type.Optional(Type.String()) }),
  ),
  position: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))),
});
export type StoredRecord = Static<typeof StoredRecordSchema>;

// ---- routes: /api/v1/pipelines ----

export const PipelineListSchema = Type.Object({ pipelines: List(PipelineStatusSchema) });
export type PipelineList = Static<typeof PipelineListSchema>;

export const PipelineParamsSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 256, description: 'Pipeline name' }),
});

export const RecordsQuerySchema = Type.Object({
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Most records to return (newest)' }),
  ),
});

/** `GET /api/v1/pipelines/:name/dead-letters` and `…/late-events`, newest last. */
export const RecordsResultSchema = Type.Object({
  pipeline: Type.String(),
  records: List(StoredRecordSchema),
});
export type RecordsResult = Static<typeof RecordsResultSchema>;
