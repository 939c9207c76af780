/**
 * Gives the test run a Kafka broker (read it with test/kafka.ts):
 *
 * - KAFKA_BROKERS set (and KAFKA_SCRAM_BROKERS for the SCRAM listener, KAFKA_TLS_BROKERS and
 *   KAFKA_TLS_CA for SCRAM over TLS): that broker.
 * - otherwise a local single-node broker (scripts/kafka/broker.ts) in a temporary folder,
 *   started once for the run and stopped at its end: ~10 s and ~400 MB, plus a one-time
 *   download of ~54 MB of jars. It starts only when a test file of the run calls
 *   kafkaBrokers() or kafkaScramBrokers(), itself or through a test helper it imports
 *   (test/run-needs.ts), and never with TRIBUTARY_NO_KAFKA=1.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startKafka } from '../scripts/kafka/broker.js';
import { runNeeds } from './run-needs.js';

const USES_KAFKA = /\bkafka(?:Scram|Tls)?Brokers\(/;

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.KAFKA_BROKERS;
  if (external || !runNeeds(project, USES_KAFKA, 'TRIBUTARY_NO_KAFKA')) {
    project.provide('kafkaBrokers', external ?? '');
    project.provide('kafkaScramBrokers', external ? (process.env.KAFKA_SCRAM_BROKERS ?? '') : '');
    project.provide('kafkaTlsBrokers', external ? (process.env.KAFKA_TLS_BROKERS ?? '') : '');
    project.provide('kafkaTlsCa', external ? (process.env.KAFKA_TLS_CA ?? '') : '');
    return undefined;
  }
  const dir = await mkdtemp(join(tmpdir(), 'tributary-test-kafka-'));
  const started = Date.now();
  const kafka = await startKafka({ dir }).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  process.stderr.write(
    `Kafka for the tests: ${kafka.brokers} (SCRAM ${kafka.scramBrokers}), ready in ` +
      `${Math.round((Date.now() - started) / 1000)} s; KAFKA_BROKERS=host:port uses another broker.\n`,
  );
  project.provide('kafkaBrokers', kafka.brokers);
  project.provide('kafkaScramBrokers', kafka.scramBrokers);
  project.provide('kafkaTlsBrokers', kafka.tlsBrokers);
  project.provide('kafkaTlsCa', kafka.tlsCa);
  return async () => {
    await kafka.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
