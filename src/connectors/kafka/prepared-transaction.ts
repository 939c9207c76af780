import { endTxnV4 } from '@platformatic/kafka';
import { sleep } from '../../abortable.js';
import { TributaryError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import { describeCluster, type KafkaClusterSpec } from './cluster.js';
import { type CoordinatorConnection, connectCoordinator, protocolErrorIds } from './coordinator.js';

/**
 * A Kafka transaction flushed and left open at a checkpoint, as the checkpoint records it:
 * enough to commit it from another producer instance after a crash (what Kafka's own
 * clients keep private, and Flink's Kafka sink reaches into them for).
 */
export type PreparedTransaction = {
  readonly transactionalId: string;
  /** Decimal: a 64-bit id does not fit a JSON number. */
  readonly producerId: string;
  readonly producerEpoch: number;
};

/** Errors the coordinator answers while it moves or loads: ask again. */
const TRANSIENT = new Set([
  'COORDINATOR_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'CONCURRENT_TRANSACTIONS',
  'REQUEST_TIMED_OUT',
]);
/** The transaction is not open under this producer epoch any more: it ended before. */
const ENDED = new Set(['INVALID_TXN_STATE', 'PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH']);

/**
 * Commits a transaction a previous instance prepared for the checkpoint it restores from.
 * It may have committed it already (it crashed after): the coordinator answers a repeated
 * commit with success. An answer that it ended otherwise — fenced, or aborted because it
 * outlived its timeout while the task was down — is logged: the results of that checkpoint
 * interval were committed by an earlier recovery or are lost, and only the transaction
 * timeout (`transaction_timeout`) longer than the longest outage tells which.
 */
export const commitPrepared = async (
  cluster: KafkaClusterSpec,
  prepared: PreparedTransaction,
  logger?: Logger,
): Promise<void> => {
  for (let attempt = 1; ; attempt++) {
    let coordinator: CoordinatorConnection | undefined;
    try {
      coordinator = await connectCoordinator(
        cluster,
        'recovery',
        'transaction',
        prepared.transactionalId,
        attempt,
      );
      await endTxnV4.api.async(
        coordinator.connection,
        prepared.transactionalId,
        BigInt(prepared.producerId),
        prepared.producerEpoch,
        true,
      );
      return;
    } catch (error) {
      const codes = protocolErrorIds(error);
      if (codes.some((code) => ENDED.has(code))) {
        logger?.warn(
          { transactionalId: prepared.transactionalId, answer: codes.join(',') },
          'the Kafka transaction of the checkpoint restored from had ended already: committed by an earlier recovery, or aborted by the broker after its timeout',
        );
        return;
      }
      const transient = codes.length === 0 || codes.every((code) => TRANSIENT.has(code));
      if (!transient || attempt >= 30) {
        throw new TributaryError(
          'TRB_KAFKA_FAILED',
          `committing the Kafka transaction "${prepared.transactionalId}" of the checkpoint restored from failed at ${describeCluster(cluster)}: ${(error as Error).message}${codes.length ? ` (${codes.join(', ')})` : ''}`,
          { cause: error },
        );
      }
      await sleep(Math.min(2_000, 100 * attempt));
    } finally {
      await coordinator?.close();
    }
  }
};
