import { Admin } from '@platformatic/kafka';
import { describeError, TributaryError } from '../../errors.js';
import { clientOptions, describeCluster, type KafkaClusterSpec } from './cluster.js';

/**
 * Topics of a cluster: their partition counts, and creating those Tributary writes to.
 * One short-lived admin client per call; these run at start, not per record.
 */
export const withAdmin = async <T>(
  cluster: KafkaClusterSpec,
  use: (admin: Admin) => Promise<T>,
): Promise<T> => {
  const admin = new Admin(clientOptions(cluster, 'admin'));
  try {
    return await use(admin);
  } catch (error) {
    if (error instanceof TributaryError) throw error;
    throw new TributaryError(
      'TRB_KAFKA_UNAVAILABLE',
      `Kafka at ${describeCluster(cluster)}: ${describeError(error).message}; check kafka.brokers, the credentials and kafka.tls`,
      { cause: error },
    );
  } finally {
    await admin.close().catch(() => {});
  }
};

/** Partition counts of the topics that exist, by name; a topic missing from the answer does not exist. */
export const partitionCounts = (
  cluster: KafkaClusterSpec,
  topics: readonly string[],
): Promise<Map<string, number>> =>
  withAdmin(cluster, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const wanted = topics.filter((topic) => existing.has(topic));
    const counts = new Map<string, number>();
    if (wanted.length === 0) return counts;
    const metadata = await admin.metadata({ topics: wanted });
    for (const topic of wanted) counts.set(topic, metadata.topics.get(topic)!.partitionsCount);
    return counts;
  });

/** A topic to create when missing: its partition count and topic-level configs (`retention.ms`…). */
export interface TopicToEnsure {
  readonly topic: string;
  readonly partitions: number;
  readonly configs?: Readonly<Record<string, string>>;
}

/**
 * Creates the topics that do not exist yet, with `partitions` each and the cluster's
 * default replication; returns every topic's partition count. A topic that exists keeps
 * its count and its configs: Tributary never repartitions nor reconfigures one.
 */
export const ensureTopics = (
  cluster: KafkaClusterSpec,
  topics: readonly TopicToEnsure[],
): Promise<Map<string, number>> =>
  withAdmin(cluster, async (admin) => {
    const existing = new Set(await admin.listTopics());
    for (const { topic, partitions, configs = {} } of topics) {
      if (existing.has(topic)) continue;
      try {
        await admin.createTopics({
          topics: [topic],
          partitions,
          replicas: -1,
          configs: Object.entries(configs).map(([name, value]) => ({ name, value })),
        });
      } catch (error) {
        // Created meanwhile by another process: fine.
        const text = errorText(error);
        if (/TOPIC_ALREADY_EXISTS|already exists/i.test(text)) continue;
        throw new TributaryError(
          'TRB_KAFKA_FAILED',
          `Kafka refused to create topic "${topic}" (${partitions} partitions, configs ${JSON.stringify(configs)}): ${text.trim()}; fix the sink's partitions or topic_configs, or create the topic yourself`,
          { cause: error },
        );
      }
    }
    const metadata = await admin.metadata({ topics: topics.map((t) => t.topic), forceUpdate: true });
    return new Map(topics.map(({ topic }) => [topic, metadata.topics.get(topic)!.partitionsCount]));
  });

const errorText = (error: unknown): string => {
  const e = error as { message?: string; errors?: unknown[] };
  return `${e?.message ?? ''} ${(e?.errors ?? []).map(errorText).join(' ')}`;
};
