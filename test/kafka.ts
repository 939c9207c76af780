/**
 * The Kafka broker of this test run, from test/kafka-global-setup.ts: the one that
 * KAFKA_BROKERS (and KAFKA_SCRAM_BROKERS) name, or a local one the run started.
 *
 * @example
 * const producer = kafka({ brokers: kafkaBrokers().split(',') });
 */
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `host:port,…` of PLAINTEXT listeners; '' when the run has no broker. */
    kafkaBrokers: string;
    /** `host:port,…` of SASL_PLAINTEXT listeners (SCRAM-SHA-512, tributary / tributary-secret); '' when unknown. */
    kafkaScramBrokers: string;
  }
}

const missing = (what: string, fix: string): never => {
  const why =
    process.env.TRIBUTARY_NO_KAFKA === '1'
      ? 'TRIBUTARY_NO_KAFKA=1 is set'
      : 'none of the test files the run started with calls kafkaBrokers() or kafkaScramBrokers() (watch mode?)';
  throw new Error(`This test needs ${what}, and this run has none: ${why}. ${fix}`);
};

export const kafkaBrokers = (): string =>
  inject('kafkaBrokers') ||
  missing('a Kafka broker', 'Unset TRIBUTARY_NO_KAFKA and run vitest again, or set KAFKA_BROKERS=host:port.');

export const kafkaScramBrokers = (): string =>
  inject('kafkaScramBrokers') ||
  missing(
    "a Kafka broker's SCRAM-SHA-512 listener",
    process.env.KAFKA_BROKERS
      ? 'With KAFKA_BROKERS, set KAFKA_SCRAM_BROKERS too (user tributary, password tributary-secret).'
      : 'Unset TRIBUTARY_NO_KAFKA and run vitest again.',
  );
