/**
 * One read-committed Fetch request to a partition leader, on the consumer's own connection
 * to it, answered by fetch-response.ts's parser. Without a fetch session: every request
 * names its partitions and offsets, which is a few bytes for a source's few partitions, and
 * nothing to keep in step with the broker when a partition moves or a request fails.
 */
import { type Broker, type Consumer, FetchIsolationLevels, kGetApi } from '@platformatic/kafka';
import { TributaryError } from '../../errors.js';
import { FETCH_VERSIONS, type FetchResponse, fetchApi } from './fetch-response.js';

export interface PartitionFetch {
  readonly partition: number;
  readonly fetchOffset: number;
}

export interface FetchLimits {
  /** How long the broker may hold the request while it has less than a byte to send. */
  readonly maxWaitMs: number;
  readonly maxBytes: number;
  readonly partitionMaxBytes: number;
}

/** No fetch session: session id 0 with the final epoch. */
const NO_SESSION = 0;
const FINAL_EPOCH = -1;

/**
 * The records of `partitions` of topic `topicId` past their fetch offsets, from `broker`.
 * Refuses a cluster that does not speak Fetch v13 or later (Kafka before 3.1, which has no
 * topic ids).
 */
export const fetchPartitions = async (
  consumer: Consumer,
  broker: Broker,
  topicId: string,
  partitions: readonly PartitionFetch[],
  limits: FetchLimits,
): Promise<FetchResponse> => {
  const version = await fetchVersion(consumer);
  if (!FETCH_VERSIONS.includes(version)) {
    throw new TributaryError(
      'TRB_KAFKA_UNAVAILABLE',
      `the Kafka cluster speaks Fetch up to v${version}; Tributary reads Kafka 3.1 or later (Fetch v${Math.min(...FETCH_VERSIONS)}); upgrade the brokers`,
    );
  }
  const connection = await consumer.connections.get(broker);
  return fetchApi(version).async(
    connection,
    limits.maxWaitMs,
    1,
    limits.maxBytes,
    FetchIsolationLevels.READ_COMMITTED,
    NO_SESSION,
    FINAL_EPOCH,
    [
      {
        topicId,
        partitions: partitions.map((p) => ({
          partition: p.partition,
          currentLeaderEpoch: -1,
          fetchOffset: BigInt(p.fetchOffset),
          lastFetchedEpoch: -1,
          partitionMaxBytes: limits.partitionMaxBytes,
        })),
      },
    ],
    [],
    '',
  );
};

/** The Fetch version the client would use with this cluster: the highest both speak. */
const fetchVersion = (consumer: Consumer): Promise<number> =>
  new Promise((resolve, reject) => {
    consumer[kGetApi]('Fetch', (error, api) => (error ? reject(error) : resolve(api!.version)));
  });
