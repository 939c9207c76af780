import Type, { type Static } from 'typebox';
import { duration } from '../../config/durations.js';
import { millis } from '../../config/units.js';
import { avroType } from '../../formats/avro/avro-types.js';
import { FORMAT_NAMES, type FormatName, formatNamed } from '../../formats/index.js';
import type { SchemaRegistryOptions } from '../../formats/registry/index.js';
import type { IntakeConnector, SinkConnector, SinkResolveContext } from '../connector.js';
import type { Guarantee } from '../sink.js';
import type { KafkaClusterSpec } from './cluster.js';
import type { KafkaSinkSpec } from './kafka-sink.js';

export interface KafkaSourceSettings {
  readonly type: 'kafka';
  readonly topic: string;
  readonly format: FormatName;
  readonly start: 'earliest' | 'latest';
  /** Where the dead letters of the pipelines that read it go. */
  readonly deadLetterTopic: string;
  readonly cluster: KafkaClusterSpec;
  /** With `format: avro`: the registry the values' schemas are fetched from. */
  readonly registry?: SchemaRegistryOptions;
}

/** Where dead letters of Kafka pipelines go unless a source says otherwise. */
export const DEFAULT_DEAD_LETTER_TOPIC = 'tributary-dead-letters';

/** A Kafka topic has a name of 1–249 of these characters (Kafka's own rule). */
const KAFKA_TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
const topicProblem = (topic: string): string | undefined =>
  KAFKA_TOPIC.test(topic) && topic !== '.' && topic !== '..'
    ? undefined
    : `"${topic}" is not a Kafka topic name; use 1–249 characters of A-Z a-z 0-9 . _ -`;

export const NO_CLUSTER = 'needs the kafka: section (kafka: { brokers: 127.0.0.1:9092 }) or KAFKA_BROKERS';
const NO_REGISTRY =
  'values name their schemas in a registry: add the schema_registry: section (schema_registry: { url: http://127.0.0.1:8081 })';

const sourceOptions = Type.Object(
  {
    type: Type.Literal('kafka'),
    topic: Type.String({ minLength: 1, examples: ['click_events'], description: 'The Kafka topic read' }),
    format: Type.Optional(
      Type.Enum(FORMAT_NAMES, { default: 'json', description: 'How record values are decoded' }),
    ),
    start: Type.Optional(
      Type.Enum(['earliest', 'latest'], {
        default: 'earliest',
        description:
          'Where a partition the pipeline has no checkpoint of starts: its first record, or what arrives next',
      }),
    ),
    dead_letter_topic: Type.Optional(
      Type.String({
        minLength: 1,
        default: DEFAULT_DEAD_LETTER_TOPIC,
        description:
          'The Kafka topic that gets the records its pipelines cannot handle: original bytes, the error and the position in headers',
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * Records of a Kafka topic, read by each pipeline itself (a consumer group per pipeline,
 * `tributary.<pipeline>`). No ingestor: the topic is written by whoever produces to it.
 */
export const kafkaSourceConnector: IntakeConnector<KafkaSourceSettings, Static<typeof sourceOptions>> = {
  type: 'kafka',
  summary:
    'Records of a Kafka topic, read committed; event time is the record timestamp unless time: names a field',
  options: sourceOptions,
  resolve: (_name, block, { kafka, schemaRegistry, report }) => {
    const format = block.format ?? 'json';
    if (format === 'avro' && !schemaRegistry) report(['format'], `avro ${NO_REGISTRY}`);
    const problem = topicProblem(block.topic);
    if (problem) report(['topic'], problem);
    const deadLetterTopic = block.dead_letter_topic ?? DEFAULT_DEAD_LETTER_TOPIC;
    const deadLetterProblem = topicProblem(deadLetterTopic);
    if (deadLetterProblem) report(['dead_letter_topic'], deadLetterProblem);
    if (!kafka) {
      report(['type'], `a kafka source ${NO_CLUSTER}`);
      return undefined;
    }
    return {
      type: 'kafka',
      topic: block.topic,
      format,
      start: block.start ?? 'earliest',
      deadLetterTopic,
      cluster: kafka,
      ...(format === 'avro' && schemaRegistry ? { registry: schemaRegistry } : {}),
    };
  },
  create: async () => undefined,
};

const sinkOptions = Type.Object(
  {
    type: Type.Literal('kafka'),
    topic: Type.Optional(
      Type.String({ minLength: 1, 'x-default': 'the sink name', description: 'The Kafka topic written' }),
    ),
    format: Type.Optional(
      Type.Enum(FORMAT_NAMES, { default: 'json', description: 'How records are encoded' }),
    ),
    guarantee: Type.Optional(
      Type.Enum(['exactly-once', 'at-least-once'], {
        default: 'exactly-once',
        description:
          'exactly-once: each checkpoint interval in one transaction (read it read_committed); at-least-once: replays write again',
      }),
    ),
    partitions: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 10_000,
        default: 1,
        description: 'Partitions of the topic when Tributary creates it',
      }),
    ),
    schema: Type.Optional(
      Type.Union([Type.String({ minLength: 1 }), Type.Object({}, { additionalProperties: true })], {
        description:
          'With format avro: the Avro schema results are written with (an object, or its JSON text), registered under subject',
      }),
    ),
    subject: Type.Optional(
      Type.String({
        minLength: 1,
        'x-default': '<topic>-value',
        description:
          'With format avro: the registry subject of the schema (Confluent topic naming by default)',
      }),
    ),
    auto_register: Type.Optional(
      Type.Boolean({
        default: true,
        description: 'With format avro: register the schema when the subject lacks it, or only look it up',
      }),
    ),
    topic_configs: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), Type.Union([Type.String(), Type.Number()]), {
        description:
          'Topic-level configs when Tributary creates it, e.g. { retention.ms: -1 } to keep results of replayed history',
      }),
    ),
    transaction_timeout: Type.Optional(
      duration('How long the broker keeps a prepared transaction; a restart after longer loses its results', {
        default: '15m',
      }),
    ),
  },
  { additionalProperties: false },
);

/** A sink's Avro writer: its schema checked here, where a mistake can name the field. */
const avroWriter = (
  block: Static<typeof sinkOptions>,
  topic: string,
  context: SinkResolveContext | undefined,
): KafkaSinkSpec['avro'] => {
  if (!context?.schemaRegistry) context?.report(['format'], `avro ${NO_REGISTRY}`);
  if (block.schema === undefined) {
    context?.report(
      ['format'],
      'avro needs the schema results are written with: add schema: { type: record, name: …, fields: [...] } to the sink',
    );
    return undefined;
  }
  const text = typeof block.schema === 'string' ? block.schema : JSON.stringify(block.schema);
  try {
    avroType(text);
  } catch (error) {
    context?.report(['schema'], `is not an Avro schema: ${(error as Error).message}`);
    return undefined;
  }
  if (!context?.schemaRegistry) return undefined;
  return {
    registry: context.schemaRegistry,
    writer: {
      subject: block.subject ?? `${topic}-value`,
      schema: text,
      autoRegister: block.auto_register ?? true,
    },
  };
};

/** Results into a Kafka topic, keyed by the pipeline's key. */
export const kafkaSinkConnector: SinkConnector<KafkaSinkSpec> = {
  type: 'kafka',
  summary:
    'Results into a Kafka topic, keyed by the pipeline key; exactly-once through transactions by default',
  guarantee: 'exactly-once',
  options: sinkOptions,
  resolve: (name, options, context) => {
    const block = options as Static<typeof sinkOptions>;
    const topic = block.topic ?? name;
    const problem = topicProblem(topic);
    if (problem) context?.report(['topic' in block ? 'topic' : 'type'], problem);
    if (!context?.kafka) context?.report(['type'], `a kafka sink ${NO_CLUSTER}`);
    const format = block.format ?? 'json';
    const avro = format === 'avro' ? avroWriter(block, topic, context) : undefined;
    return {
      type: 'kafka',
      topic,
      format,
      ...(avro ? { avro } : {}),
      guarantee: (block.guarantee ?? 'exactly-once') as Guarantee,
      partitions: block.partitions ?? 1,
      topicConfigs: Object.fromEntries(
        Object.entries(block.topic_configs ?? {}).map(([name, value]) => [name, String(value)]),
      ),
      // The broker caps it at transaction.max.timeout.ms, 15 minutes by default.
      transactionTimeoutMs: millis(block.transaction_timeout, 900_000),
      cluster: context?.kafka ?? { brokers: [], clientId: 'tributary', requestTimeoutMs: 30_000 },
    };
  },
  create: async (name, spec, context) => {
    const { KafkaSink } = await import('./kafka-sink.js');
    return new KafkaSink(
      name,
      spec,
      formatNamed(spec.format, spec.avro ?? {}),
      context,
      `${context.pipeline}.${context.task}`,
      context.logger,
    );
  },
};
