import type { KafkaDeadLetterSpec } from '../../connectors/kafka/dead-letter-topic.js';
import type { KafkaSourceSpec } from '../../connectors/kafka/kafka-source.js';
import type { SinkSpec } from '../../connectors/registry.js';
import type { FormatName } from '../../formats/index.js';
import type { SchemaRegistryOptions } from '../../formats/registry/index.js';

/** How a task reads one of its plan's sources. */
export interface TaskSourceSpec {
  /** The topic: of the embedded log (the source's own name), or of Kafka. */
  readonly topic: string;
  readonly format: FormatName;
  /** With `format: avro`: where the values' schemas are. */
  readonly registry?: SchemaRegistryOptions;
  /** Present when the topic is read from Kafka rather than the embedded log. */
  readonly kafka?: KafkaSourceSpec;
}

export interface TaskOptions {
  /** The most records read and pushed through the engine at once. */
  readonly batchSize: number;
  readonly checkpointIntervalMs: number;
  /** How often sinks write what they buffered (results reach the store and the dashboard). */
  readonly flushIntervalMs: number;
  /** Records buffered in sinks past which the task flushes before it reads more. */
  readonly maxPendingRecords: number;
  /** How often processing time acts (processing-time windows, timers, idleness). */
  readonly tickIntervalMs: number;
  /** How often the task reports its progress to its host. */
  readonly reportIntervalMs: number;
}

export const DEFAULT_TASK_OPTIONS: TaskOptions = {
  batchSize: 4096,
  checkpointIntervalMs: 5_000,
  flushIntervalMs: 250,
  maxPendingRecords: 50_000,
  tickIntervalMs: 200,
  reportIntervalMs: 1_000,
};

/**
 * One task of a pipeline: everything a thread needs to run it, as plain data (it crosses
 * to worker threads). A pipeline runs as one task reading every partition of its topics,
 * or — when its keys are its topics' partitioning keys — as one task per partition.
 */
export interface TaskSpec {
  readonly pipeline: string;
  /** `all`, or the partition number this task reads of every source topic. */
  readonly task: string;
  /** By the plan's source names. */
  readonly sources: Readonly<Record<string, TaskSourceSpec>>;
  /** By the plan's sink names. */
  readonly sinks: Readonly<Record<string, SinkSpec>>;
  readonly options: TaskOptions;
  /** Present for a pipeline on Kafka: its dead letters go to this topic rather than the embedded log. */
  readonly deadLetters?: KafkaDeadLetterSpec;
}

/** The partition a task reads, or undefined for a task that reads all of them. */
export const taskPartition = (spec: Pick<TaskSpec, 'task'>): number | undefined =>
  spec.task === 'all' ? undefined : Number(spec.task);
