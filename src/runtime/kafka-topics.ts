import type { KafkaClusterSpec } from '../connectors/kafka/cluster.js';
import type { KafkaSourceSettings } from '../connectors/kafka/connector.js';
import type { KafkaSourceSpec } from '../connectors/kafka/kafka-source.js';
import type { TopicToEnsure } from '../connectors/kafka/topics.js';
import type { SinkSpec, SourceSettings } from '../connectors/registry.js';
import { TributaryError } from '../errors.js';

/**
 * The consumer group of a pipeline — its `consumer_group`, or `tributary.<pipeline>`: the
 * processes that run it share its partitions there, and Kafka's own tools show its progress.
 */
export const pipelineGroup = (pipeline: string, groups: Readonly<Record<string, string>> = {}): string =>
  groups[pipeline] ?? `tributary.${pipeline}`;

/** How a task of a pipeline reads a `kafka` source, in the pipeline's consumer group. */
export const kafkaSourceSpec = (group: string, source: KafkaSourceSettings): KafkaSourceSpec => ({
  cluster: source.cluster,
  topic: source.topic,
  group,
  start: source.start,
});

/**
 * At start: the partition counts of the topics `kafka` sources read — each must exist, a
 * missing one is named with the way to create it — and the topics `kafka` sinks write and
 * the sources' dead-letter topics created when missing. Returns the source topics' counts.
 * The Kafka client is loaded only when there is a Kafka topic (a second of start-up).
 */
export const prepareKafkaTopics = async (
  /** Topics intake appends to (`log: { type: kafka }`): created when missing, before the sources are counted. */
  intakeTopics: { readonly cluster: KafkaClusterSpec; readonly topics: readonly TopicToEnsure[] } | undefined,
  sources: Readonly<Record<string, SourceSettings>>,
  sinks: Readonly<Record<string, SinkSpec>> = {},
): Promise<Map<string, number>> => {
  const counts = new Map<string, number>();
  const read = Object.entries(sources).flatMap(([name, s]) =>
    s.type === 'kafka' ? [[name, s] as const] : [],
  );
  const written = Object.values(sinks).flatMap((sink) => (sink.type === 'kafka' ? [sink] : []));
  if (!intakeTopics && read.length === 0 && written.length === 0) return counts;
  const { ensureTopics, partitionCounts } = await import('../connectors/kafka/topics.js');
  if (intakeTopics) await ensureTopics(intakeTopics.cluster, intakeTopics.topics);
  for (const [name, source] of read) {
    const found = await partitionCounts(source.cluster, [source.topic]);
    const count = found.get(source.topic);
    if (count === undefined) {
      throw new TributaryError(
        'TRB_KAFKA_NO_TOPIC',
        `source "${name}" reads Kafka topic "${source.topic}", which does not exist at ${source.cluster.brokers.join(',')}; create it (kafka-topics.sh --create --topic ${source.topic} --partitions N) or fix sources.${name}.topic`,
      );
    }
    counts.set(source.topic, count);
    await ensureTopics(source.cluster, [{ topic: source.deadLetterTopic, partitions: 1 }]);
  }
  for (const sink of written) {
    await ensureTopics(sink.cluster, [
      { topic: sink.topic, partitions: sink.partitions, configs: sink.topicConfigs },
    ]);
  }
  return counts;
};
