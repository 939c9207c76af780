import { KafkaSource } from '../../connectors/kafka/kafka-source.js';
import { LogSource } from '../../connectors/log/log-source.js';
import type { Source } from '../../connectors/source.js';
import type { Logger } from '../../observability/logger.js';
import type { TaskHost } from '../host/task-host.js';
import type { TaskSourceSpec } from './task-spec.js';

/** The source a task reads `name` from: its Kafka topic, or its topic of the embedded log. */
export const openSource = (
  name: string,
  spec: TaskSourceSpec,
  host: TaskHost,
  role: string,
  logger?: Logger,
): Source => {
  const { kafka } = spec;
  if (!kafka) return new LogSource(name, spec.topic, host.log);
  return new KafkaSource(name, kafka, {
    role,
    acknowledged: (positions) => host.commitOffsets(kafka.group, positions),
    ...(logger ? { logger } : {}),
  });
};
