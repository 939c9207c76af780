import { type Static, type TSchema, Type } from 'typebox';
import type { SeriesInfo, SeriesPoint } from '../store/types.js';
import type { PipelineStatus, PlatformStats, StoredRecord } from './platform-api.js';

// Response schemas give OpenAPI its shapes and let Fastify serialize without JSON.stringify.
// `null` goes first in unions: the serializer tries members in order and would print
// a null as 0 if `number` came first.
const Nullable = <T extends TSchema>(schema: T) => Type.Union([Type.Null(), schema]);
/** Arrays in answers are readonly: the platform hands out its own, typed readonly. */
export const List = <T extends TSchema>(items: T) => Type.Immutable(Type.Array(items));
const Count = Type.Number({ minimum: 0 });
const Millis = Type.Number({ description: 'ms since the epoch' });

export const ErrorBodySchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'A code from docs/errors.md, e.g. TRB_HTTP_BAD_REQUEST' }),
      message: Type.String({ description: 'What is wrong and how to fix it' }),
    }),
  },
  { description: 'Every 4xx and 5xx answer has this body' },
);

export const StatsSchema = Type.Object({
  eventsInPerSec: Type.Number({ description: 'Events appended by all sources per second' }),
  eventsOutPerSec: Type.Number({ description: 'Records delivered to sinks per second' }),
  activeSources: Count,
  latencyMs: Type.Object(
    { p50: Nullable(Type.Number()), p99: Nullable(Type.Number()) },
    { description: 'From append to the log until the result reached its sink' },
  ),
  deadLettered: Count,
  lateEvents: Count,
  uptimeSec: Count,
});

export const OperatorStatusSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  inputs: List(Type.String()),
  recordsIn: Count,
  recordsOut: Count,
  recordsOutPerSec: Count,
  deadLetters: Count,
  late: Count,
  watermark: Nullable(Millis),
});

export const PipelineStatusSchema = Type.Object({
  name: Type.String(),
  status: Type.Union([
    Type.Literal('starting'),
    Type.Literal('running'),
    Type.Literal('stopping'),
    Type.Literal('stopped'),
    Type.Literal('failed'),
  ]),
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
  watermark: Nullable(Millis),
  watermarkLagMs: Nullable(Type.Number()),
  lastCheckpoint: Nullable(Type.Object({ at: Millis, durationMs: Count })),
  operators: List(OperatorStatusSchema),
});

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

export const SeriesPointSchema = Type.Object({
  key: Type.String(),
  start: Millis,
  end: Millis,
  values: Type.Record(Type.String(), Type.Unknown()),
});

export const SeriesInfoSchema = Type.Object({
  name: Type.String(),
  keys: Count,
  rows: Count,
  firstStart: Millis,
  lastStart: Millis,
  lastEnd: Millis,
});

export const IngestResultSchema = Type.Object({
  accepted: Type.Integer({ minimum: 1 }),
  firstOffset: Type.Integer({ description: 'Log offset of the first event' }),
  lastOffset: Type.Integer({ description: 'Log offset of the last event' }),
});

/** Standard error answers, for the docs. */
export const errors = (...statuses: number[]): Record<number, typeof ErrorBodySchema> =>
  Object.fromEntries(statuses.map((status) => [status, ErrorBodySchema]));

// The schemas must describe the platform's types exactly: the serializer drops fields a
// schema lacks. These fail to compile when one side gains or loses a field.
type SameKeys<A, B> = [Exclude<keyof A, keyof B> | Exclude<keyof B, keyof A>] extends [never] ? true : false;
type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;
type Mutual<A, B> = [DeepReadonly<A>] extends [DeepReadonly<B>]
  ? [DeepReadonly<B>] extends [DeepReadonly<A>]
    ? true
    : false
  : false;
const exact = <T extends true>(_: T): void => {};
exact<SameKeys<Static<typeof StatsSchema>, PlatformStats>>(true);
exact<SameKeys<Static<typeof PipelineStatusSchema>, PipelineStatus>>(true);
exact<SameKeys<Static<typeof StoredRecordSchema>, StoredRecord>>(true);
exact<SameKeys<Static<typeof SeriesPointSchema>, SeriesPoint>>(true);
exact<SameKeys<Static<typeof SeriesInfoSchema>, SeriesInfo>>(true);
exact<Mutual<Static<typeof StatsSchema>, PlatformStats>>(true);
exact<Mutual<Static<typeof PipelineStatusSchema>, PipelineStatus>>(true);
exact<Mutual<Static<typeof StoredRecordSchema>, StoredRecord>>(true);
exact<Mutual<Static<typeof SeriesPointSchema>, SeriesPoint>>(true);
exact<Mutual<Static<typeof SeriesInfoSchema>, SeriesInfo>>(true);
