import { KafkaSource } from '../../connectors/kafka/kafka-source.js';
import type { LogAccess } from '../../connectors/log/log-access.js';
import { LogSource } from '../../connectors/log/log-source.js';
import type { Source } from '../../connectors/source.js';
import type { Logger } from '../../observability/logger.js';
import type { TaskSourceSpec } from './task-spec.js';

/** The source a task reads `name` from: its Kafka topic, or its topic of the embedded log. */
export const openSource = (
  name: string,
  spec: TaskSourceSpec,
  log: LogAccess,
  role: string,
  logger?: Logger,
): Source =>
  spec.kafka ? new KafkaSource(name, spec.kafka, logger, role) : new LogSource(name, spec.topic, log);
