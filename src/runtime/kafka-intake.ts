import type { Appender } from '../connectors/ingestor.js';
import type { KafkaClusterSpec } from '../connectors/kafka/cluster.js';
import { DEFAULT_DEAD_LETTER_TOPIC } from '../connectors/kafka/connector.js';
import type { SourceSettings } from '../connectors/registry.js';

/**
 * The sources as pipelines read them. With intake on Kafka (`log: { type: kafka }`) every
 * source that is not a `kafka` one — generators, HTTP, MQTT, files — is read from the Kafka
 * topic of its name, where its intake appends, exactly as a `kafka` source of that topic
 * in JSON; otherwise the sources as configured.
 */
export const sourcesAsRead = (
  sources: Readonly<Record<string, SourceSettings>>,
  intakeOnKafka: KafkaClusterSpec | undefined,
): Readonly<Record<string, SourceSettings>> => {
  if (!intakeOnKafka) return sources;
  return Object.fromEntries(
    Object.entries(sources).map(([name, source]): [string, SourceSettings] => [
      name,
      source.type === 'kafka'
        ? source
        : {
            type: 'kafka',
            topic: name,
            format: 'json',
            start: 'earliest',
            deadLetterTopic: DEFAULT_DEAD_LETTER_TOPIC,
            cluster: intakeOnKafka,
          },
    ]),
  );
};

/** Intake's appends: the sources' topics to Kafka when intake is on Kafka, the rest (intake's dead letters) to the embedded log. */
export const intakeAppender = (
  log: Appender,
  kafka: Appender | undefined,
  sources: Readonly<Record<string, SourceSettings>>,
): Appender =>
  kafka ? { append: (topic, records) => (topic in sources ? kafka : log).append(topic, records) } : log;
