/**
 * The configuration file's schema, defined once: TypeBox gives the TypeScript type of the
 * parsed file (`ConfigFile`) and the JSON Schema that validates it (see `validate.ts`).
 * Keys are snake_case. Every setting is documented in docs/configuration.md.
 *
 * A few rules a JSON Schema says badly are checked after it, with the same kind of
 * message: a step has exactly one kind, `window` needs a `key_by` before it, a pipeline
 * names declared sources, expressions compile, sizes of windows fit.
 */
import Type, { type Static, type TSchema } from 'typebox';
import { AlertingSchema } from '../alerts/schema.js';
import { KafkaSectionSchema } from '../connectors/kafka/options.js';
import { MAX_PARTITIONS } from '../connectors/log/options.js';
import { INTAKE_CONNECTORS, SINK_CONNECTORS } from '../connectors/registry.js';
import { SchemaRegistrySectionSchema } from '../formats/registry/index.js';
import { duration } from './durations.js';

/** `"16mb"`, `"1gb"` (1024-based) or bytes. */
const size = (description: string, options: Record<string, unknown> = {}) =>
  Type.Unsafe<string | number>({
    type: ['string', 'number'],
    format: 'size',
    minimum: 1,
    description,
    ...options,
  });

/** An expression of the expression language (CEL), compiled at load. */
const expression = (description: string) => Type.String({ minLength: 1, description });

const name = (description: string) => Type.String({ minLength: 1, description });

const closed = { additionalProperties: false } as const;

export const SCOPES = ['read', 'ingest', 'admin'] as const;

export const ApiKeySchema = Type.Object(
  {
    key: Type.String({ minLength: 1, description: 'The key clients send' }),
    scopes: Type.Array(Type.Enum(SCOPES), { minItems: 1, description: 'read, ingest and/or admin' }),
  },
  closed,
);

export const ServerSchema = Type.Object(
  {
    host: Type.Optional(Type.String({ minLength: 1, default: '127.0.0.1', description: 'Address to bind' })),
    port: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'HTTP port' }),
    ),
    body_limit: Type.Optional(size('Largest request body', { default: '16mb' })),
    cors_origins: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'Origins allowed by CORS' }),
    ),
    api_keys: Type.Optional(
      Type.Union([
        Type.String({ description: '"key1:read,ingest;key2:admin"' }),
        Type.Array(ApiKeySchema, { description: 'a list of { key, scopes }' }),
      ]),
    ),
  },
  closed,
);

export const LogSchema = Type.Object(
  {
    type: Type.Optional(
      Type.Enum(['embedded', 'kafka'], {
        default: 'embedded',
        description:
          "Where intake (generators, HTTP, MQTT, files) appends: the embedded log, or the Kafka topic of each source's name (needs the kafka: section)",
      }),
    ),
    partitions: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_PARTITIONS,
        default: 1,
        'x-hint': `a topic has 1 to ${MAX_PARTITIONS} partitions`,
        description:
          "Partitions of every topic the platform creates, unless its source's partitions says otherwise",
      }),
    ),
    fsync: Type.Optional(Type.Enum(['always', 'interval', 'never'], { default: 'interval' })),
    fsync_interval: Type.Optional(duration('With fsync: interval, how often', { default: '1s' })),
    segment_bytes: Type.Optional(size('A segment file rolls at this size', { default: '64mb' })),
    retention: Type.Optional(
      Type.Object(
        {
          max_bytes: Type.Optional(size('Per partition of a topic; no limit when absent')),
          max_age: Type.Optional(duration('Per topic', { default: '7d' })),
        },
        { ...closed, default: {} },
      ),
    ),
  },
  closed,
);

const storeRetention = duration('Delete results whose window ended longer ago; kept forever when absent');

export const StoreSchema = Type.Union(
  [
    Type.Object({ type: Type.Literal('embedded'), retention: Type.Optional(storeRetention) }, closed),
    Type.Object(
      {
        type: Type.Literal('postgres'),
        url: Type.String({
          minLength: 1,
          // biome-ignore lint/suspicious/noTemplateCurlyInString: an ${ENV} reference, as the user writes it
          examples: ['${DATABASE_URL}'],
          description: 'postgres://user:pass@host/db',
        }),
        schema: Type.Optional(
          Type.String({
            pattern: '^[a-z_][a-z0-9_]{0,62}$',
            default: 'tributary',
            description:
              "The PostgreSQL schema of the store's tables: deployments that share a database each use their own",
          }),
        ),
        retention: Type.Optional(storeRetention),
      },
      closed,
    ),
  ],
  { title: 'store' },
);

export const CheckpointSchema = Type.Object(
  { interval: Type.Optional(duration('Time between checkpoints', { default: '5s' })) },
  closed,
);

/** A source block: one of the intake connectors' own option schemas (src/connectors/<type>/connector.ts). */
export const SourceSchema = Type.Union(
  INTAKE_CONNECTORS.map((c) => c.options),
  { title: 'source' },
);

/** A sink block: one of the sink connectors' own option schemas (src/connectors/<type>/connector.ts). */
export const SinkSchema = Type.Union(
  SINK_CONNECTORS.filter((c) => !c.internal).map((c) => c.options),
  { title: 'sink' },
);

const TimeDomainSchema = Type.Enum(['event', 'processing']);
const quantile = Type.Number({ minimum: 0, maximum: 1 });

/** `count` or `{ sum: price }`: one aggregation of a window. */
export const AggregatorSchema = Type.Union([
  Type.Enum(['count', 'first', 'last', 'distinct'], {
    'x-hint': 'the others take an expression: { sum: price }',
  }),
  Type.Object(
    {
      sum: Type.Optional(expression('Sum of a number')),
      avg: Type.Optional(expression('Mean of a number')),
      min: Type.Optional(expression('Smallest number')),
      max: Type.Optional(expression('Largest number')),
      first: Type.Optional(expression('Value with the earliest event time')),
      last: Type.Optional(expression('Value with the latest event time')),
      distinct: Type.Optional(expression('Approximate number of distinct values')),
      percentile: Type.Optional(expression('Approximate quantile(s) of a number, with q')),
      q: Type.Optional(Type.Union([quantile, Type.Array(quantile, { minItems: 1 })])),
    },
    closed,
  ),
]);

export const WindowSchema = Type.Object(
  {
    tumbling: Type.Optional(duration('Window size')),
    hopping: Type.Optional(
      Type.Object({ size: duration('Window size'), slide: duration('Time between window starts') }, closed),
    ),
    session: Type.Optional(duration('Gap that closes a session')),
    offset: Type.Optional(duration('Shifts tumbling and hopping windows')),
    lateness: Type.Optional(duration('How long after firing late records still update a window')),
    time: Type.Optional(TimeDomainSchema),
  },
  closed,
);

/** One step of a pipeline: exactly one of filter, map, validate, dedupe, key_by, window. */
export const StepSchema = Type.Object(
  {
    name: Type.Optional(name('Operator name, for dead letters, metrics and checkpoints')),
    filter: Type.Optional(expression('Keeps records for which it is true')),
    map: Type.Optional(expression('Replaces each record by its value')),
    validate: Type.Optional(
      Type.Object(
        {
          expr: expression('Records for which it is false are dead-lettered'),
          message: Type.Optional(Type.String({ minLength: 1 })),
        },
        closed,
      ),
    ),
    dedupe: Type.Optional(
      Type.Object(
        {
          key: Type.Optional(expression('What makes two records the same; default: the key')),
          within: duration('How far apart repeats are dropped'),
          time: Type.Optional(TimeDomainSchema),
        },
        closed,
      ),
    ),
    key_by: Type.Optional(expression('The key: a string, number or bool')),
    partitioned: Type.Optional(
      Type.Boolean({
        description:
          "With key_by: the source topics are partitioned by this key already (the records' key), so each partition runs as its own task",
      }),
    ),
    window: Type.Optional(WindowSchema),
    aggregate: Type.Optional(
      Type.Record(Type.String(), AggregatorSchema, { description: 'Result field → aggregation' }),
    ),
  },
  closed,
);

export const PipelineSchema = Type.Object(
  {
    name: name('Pipeline name'),
    source: Type.Optional(name('A declared source')),
    sources: Type.Optional(Type.Array(name('A declared source'), { minItems: 1 })),
    time: Type.Optional(expression('Event time of a record; default: ingestion time')),
    watermark: Type.Optional(duration('Bounded out-of-orderness', { default: 0 })),
    idleness: Type.Optional(duration('A silent source split stops holding the watermark after this')),
    steps: Type.Optional(Type.Array(StepSchema, { default: [] })),
    sink: Type.Optional(name('A declared sink, or a store series')),
    sinks: Type.Optional(Type.Array(name('A declared sink, or a store series'), { minItems: 1 })),
    module: Type.Optional(name('A JavaScript module whose default export is a Pipeline or Plan')),
    consumer_group: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 249,
        description: 'Kafka consumer group of a pipeline that reads Kafka; default: tributary.<name>',
      }),
    ),
  },
  closed,
);

/** Redis between the processes of a deployment: the hot cache and the live fan-out (docs/deployment.md). */
export const RedisSectionSchema = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      description: 'redis://[user:password@]host:6379[/db] (rediss:// for TLS); REDIS_URL overrides',
      examples: ['redis://127.0.0.1:6379'],
    }),
    prefix: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9_.-]{1,64}$',
        default: 'tributary',
        description: 'Prefix of every key and channel: deployments that share a Redis each use their own',
      }),
    ),
    latest_ttl: Type.Optional(
      duration('How long the latest value of a series key stays in the hot cache after it was written', {
        default: '1h',
      }),
    ),
  },
  closed,
);

export const ConfigSchema = Type.Object(
  {
    server: Type.Optional(ServerSchema),
    data_dir: Type.Optional(Type.String({ minLength: 1, default: '.tributary' })),
    log_level: Type.Optional(
      Type.Enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], {
        default: 'info',
        description: 'Level of the JSON logs on stdout',
      }),
    ),
    log: Type.Optional(LogSchema),
    store: Type.Optional(StoreSchema),
    kafka: Type.Optional(KafkaSectionSchema),
    redis: Type.Optional(RedisSectionSchema),
    schema_registry: Type.Optional(SchemaRegistrySectionSchema),
    checkpoint: Type.Optional(CheckpointSchema),
    workers: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 256,
        description:
          'Worker threads that run pipeline tasks; 0 runs them on the main thread. Default: the number of cores',
      }),
    ),
    sources: Type.Optional(Type.Record(Type.String(), SourceSchema)),
    sinks: Type.Optional(Type.Record(Type.String(), SinkSchema)),
    pipelines: Type.Optional(Type.Array(PipelineSchema)),
    alerts: Type.Optional(AlertingSchema),
  },
  closed,
);

/** The configuration file as written (after `${ENV}` substitution). */
export type ConfigFile = Static<typeof ConfigSchema>;
export type ServerFile = Static<typeof ServerSchema>;
/** A source block as written: its connector's schema checked it; the connector reads it. */
export type SourceFile = { readonly type: string } & Readonly<Record<string, unknown>>;
/** A sink block as written: its connector's schema checked it; the connector reads it. */
export type SinkFile = { readonly type: string } & Readonly<Record<string, unknown>>;
export type PipelineFile = Static<typeof PipelineSchema>;
export type StepFile = Static<typeof StepSchema>;
export type WindowFile = Static<typeof WindowSchema>;
export type AggregatorFile = Static<typeof AggregatorSchema>;

export type { TSchema };
