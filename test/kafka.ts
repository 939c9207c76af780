/**
 * The Kafka broker of this test run, from test/kafka-global-setup.ts: the one that
 * KAFKA_BROKERS (and KAFKA_SCRAM_BROKERS, KAFKA_TLS_BROKERS with KAFKA_TLS_CA) name, or a
 * local one the run started.
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
    /** `host:port,…` of SASL_SSL listeners (SCRAM as above, over TLS); '' when unknown. */
    kafkaTlsBrokers: string;
    /** The PEM file of the certificate those listeners present; '' when unknown. */
    kafkaTlsCa: string;
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

/** The SASL_SSL listeners and the certificate to trust for them. */
export const kafkaTlsBrokers = (): { brokers: string; ca: string } => {
  const brokers = inject('kafkaTlsBrokers');
  const ca = inject('kafkaTlsCa');
  if (brokers && ca) return { brokers, ca };
  return missing(
    "a Kafka broker's SASL_SSL listener",
    process.env.KAFKA_BROKERS
      ? 'With KAFKA_BROKERS, set KAFKA_TLS_BROKERS and KAFKA_TLS_CA too (node dist/scripts/kafka/start.js prints them).'
      : 'Unset TRIBUTARY_NO_KAFKA and run vitest again.',
  );
};
