import type { BaseOptions } from '@platformatic/kafka';

/** SASL mechanisms Tributary speaks to a broker with. */
export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/**
 * A Kafka cluster as the `kafka:` section resolves it: plain data, so it crosses to worker
 * threads, which open their own connections. Secrets are in here (a password, a private
 * key): never log a spec, log `describeCluster`.
 */
export interface KafkaClusterSpec {
  /** `host:port` of bootstrap brokers. */
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly sasl?: {
    readonly mechanism: SaslMechanism;
    readonly username: string;
    readonly password: string;
  };
  /** TLS; PEM texts read from the files the configuration names. */
  readonly tls?: {
    readonly ca?: string;
    readonly cert?: string;
    readonly key?: string;
    /** Default true: a broker whose certificate the CA does not vouch for is refused. */
    readonly rejectUnauthorized: boolean;
  };
  /** The longest a request waits for its answer before it is retried. */
  readonly requestTimeoutMs: number;
}

/** What a log line or an error may say about a cluster: where, and how, never the secrets. */
export const describeCluster = (cluster: KafkaClusterSpec): string =>
  `${cluster.brokers.join(',')}${cluster.sasl ? ` (SASL ${cluster.sasl.mechanism.toUpperCase()} as ${cluster.sasl.username})` : ''}${cluster.tls ? ' over TLS' : ''}`;

/**
 * The client options of @platformatic/kafka for a cluster. `role` tells the broker's logs and
 * quotas who is asking (`<clientId>.<pipeline>.<task>.source`, say).
 */
export const clientOptions = (cluster: KafkaClusterSpec, role: string): BaseOptions => ({
  clientId: `${cluster.clientId}.${role}`,
  bootstrapBrokers: [...cluster.brokers],
  timeout: cluster.requestTimeoutMs,
  requestTimeout: cluster.requestTimeoutMs,
  // Retries inside a call ride out a leader election or a coordinator loading (the first
  // transaction on a cluster creates its state topic: seconds); the source and sink loops
  // retry beyond that for as long as it takes.
  retries: 10,
  retryDelay: 500,
  ...(cluster.sasl
    ? {
        sasl: {
          mechanism: cluster.sasl.mechanism.toUpperCase() as 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512',
          username: cluster.sasl.username,
          password: cluster.sasl.password,
        },
      }
    : {}),
  ...(cluster.tls
    ? {
        tls: {
          rejectUnauthorized: cluster.tls.rejectUnauthorized,
          ...(cluster.tls.ca ? { ca: cluster.tls.ca } : {}),
          ...(cluster.tls.cert ? { cert: cluster.tls.cert } : {}),
          ...(cluster.tls.key ? { key: cluster.tls.key } : {}),
        },
      }
    : {}),
});
