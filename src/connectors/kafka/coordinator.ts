import {
  type BaseOptions,
  Connection,
  FindCoordinatorKeyTypes,
  findCoordinatorV6,
} from '@platformatic/kafka';
import { clientOptions, type KafkaClusterSpec } from './cluster.js';

/** A connection to the broker that coordinates a group or a transactional id. */
export interface CoordinatorConnection {
  readonly connection: Connection;
  close(): Promise<void>;
}

/**
 * Connects to the coordinator of a consumer group or a transactional id: asks a bootstrap
 * broker (the `attempt`-th, round robin, so that a broker that is down is skipped on the
 * next attempt) which broker it is, and connects there.
 */
export const connectCoordinator = async (
  cluster: KafkaClusterSpec,
  role: string,
  kind: 'group' | 'transaction',
  key: string,
  attempt = 1,
): Promise<CoordinatorConnection> => {
  const options = clientOptions(cluster, role);
  const opened: Connection[] = [];
  const connect = async (host: string, port: number): Promise<Connection> => {
    const connection = brokerConnection(options);
    opened.push(connection);
    await connection.connect(host, port);
    return connection;
  };
  const closeAll = async () => {
    for (const connection of opened) await connection.close().catch(() => {});
  };
  try {
    const [host, port] = splitBroker(cluster.brokers[(attempt - 1) % cluster.brokers.length]);
    const bootstrap = await connect(host, port);
    const keyType = kind === 'group' ? FindCoordinatorKeyTypes.GROUP : FindCoordinatorKeyTypes.TRANSACTION;
    const found = await findCoordinatorV6.api.async(bootstrap, keyType, [key]);
    const coordinator = found.coordinators[0];
    const connection = await connect(coordinator.host, coordinator.port);
    await bootstrap.close().catch(() => {});
    return { connection, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
};

/**
 * A connection of its own to one broker, outside the clients' pools. A pool listens for its
 * connections' errors; this one must too: when the broker goes away (killed, restarted, the
 * network cut), the socket's error is emitted on the connection, and an `error` event with no
 * listener ends the whole process. The error needs no handling here: the connection closes,
 * the request under way and every later one fail with "Connection closed", and the caller's
 * retry connects afresh.
 */
export const brokerConnection = (options: BaseOptions): Connection => {
  const connection = new Connection(options.clientId, options);
  connection.on('error', () => {});
  return connection;
};

const splitBroker = (broker: string): [string, number] => {
  const colon = broker.lastIndexOf(':');
  return [broker.slice(0, colon), Number(broker.slice(colon + 1))];
};

/** Kafka's error names (`PRODUCER_FENCED`, …) anywhere in a client error. */
export const protocolErrorIds = (error: unknown): string[] => {
  const ids: string[] = [];
  const visit = (e: unknown): void => {
    const err = e as { apiId?: string; errors?: unknown[] } | undefined;
    if (!err || typeof err !== 'object') return;
    if (typeof err.apiId === 'string') ids.push(err.apiId);
    for (const inner of err.errors ?? []) visit(inner);
  };
  visit(error);
  return ids;
};
