import { LogSource } from '../../connectors/log/log-source.js';
import type { Source } from '../../connectors/source.js';
import type { Logger } from '../../observability/logger.js';
import type { TaskHost } from '../host/task-host.js';
import type { TaskSourceSpec } from './task-spec.js';

/**
 * The source a task reads `name` from: its Kafka topic, or its topic of the embedded log.
 * The Kafka client is loaded only for a Kafka source (a second of start-up per thread).
 */
export const openSource = async (
  name: string,
  spec: TaskSourceSpec,
  host: TaskHost,
  role: string,
  logger?: Logger,
): Promise<Source> => {
  const { kafka } = spec;
  if (!kafka) return new LogSource(name, spec.topic, host.log);
  const { KafkaSource } = await import('../../connectors/kafka/kafka-source.js');
  return new KafkaSource(name, kafka, {
    role,
    acknowledged: (positions) => host.commitOffsets(kafka.group, positions),
    ...(logger ? { logger } : {}),
  });
};
