/**
 * Kafka's Fetch response (versions 13–17: topics by id, flexible encoding), read only as far
 * as a source needs: each partition's offsets and errors, its aborted transactions, and its
 * record batches left as the bytes the broker sent, for fetch-columns.ts to read straight
 * into a columnar batch. `@platformatic/kafka`'s own parser makes an object per record, a
 * BigInt per varint and a Buffer per key and value, which is most of a source's time.
 */
import {
  type API,
  createAPI,
  fetchV13,
  fetchV14,
  fetchV15,
  fetchV16,
  fetchV17,
  type Reader,
} from '@platformatic/kafka';

/** The Fetch API's key in Kafka's protocol. */
const FETCH = 1;

/** An aborted transaction of a read-committed fetch: the producer, and where its transaction began. */
export interface AbortedTransaction {
  readonly producerId: number;
  readonly firstOffset: number;
}

export interface FetchedPartition {
  readonly topicId: string;
  readonly partition: number;
  /** Kafka's error code for this partition; 0 when none. */
  readonly errorCode: number;
  readonly highWatermark: number;
  /** -1 when the broker does not say (read uncommitted). */
  readonly lastStableOffset: number;
  readonly logStartOffset: number;
  /** The aborted transactions overlapping the records returned (read committed); null when none. */
  readonly abortedTransactions: readonly AbortedTransaction[] | null;
  /** The record batches as sent: the last one may be cut short by the size limits. Null when none. */
  readonly records: Buffer | null;
}

export interface FetchResponse {
  readonly throttleTimeMs: number;
  /** An error of the whole request (a fetch session's); 0 when none. */
  readonly errorCode: number;
  readonly partitions: readonly FetchedPartition[];
}

/** The request arguments, as `@platformatic/kafka`'s Fetch requests of these versions take them. */
export type FetchRequest = fetchV17.FetchRequest;

/** The versions whose responses `parseFetchResponse` reads, with their requests. */
const REQUESTS: Readonly<
  Record<number, (...args: FetchRequest) => ReturnType<typeof fetchV17.createRequest>>
> = {
  13: fetchV13.createRequest,
  14: fetchV14.createRequest,
  15: fetchV15.createRequest,
  16: fetchV16.createRequest,
  17: fetchV17.createRequest,
};

/** Kafka's error code for a fetch offset outside the partition's log. */
export const OFFSET_OUT_OF_RANGE = 1;

export const FETCH_VERSIONS = Object.keys(REQUESTS).map(Number);

const apis = new Map<number, API<FetchRequest, FetchResponse>>();

/**
 * The Fetch API of `version` (13–17) with this file's response parser: the library's request,
 * sent on the library's connections.
 */
export const fetchApi = (version: number): API<FetchRequest, FetchResponse> => {
  let api = apis.get(version);
  if (!api) {
    const request = REQUESTS[version];
    if (!request) throw new RangeError(`Fetch v${version} is not one of ${FETCH_VERSIONS.join(', ')}`);
    api = createAPI<FetchRequest, FetchResponse>(FETCH, version, request, parseFetchResponse);
    apis.set(version, api);
  }
  return api;
};

/*
  Fetch Response (Version: 13–17) => throttle_time_ms error_code session_id [responses] TAG_BUFFER
    responses => topic_id [partitions] TAG_BUFFER
      partitions => partition_index error_code high_watermark last_stable_offset log_start_offset
                    [aborted_transactions] preferred_read_replica records TAG_BUFFER
        aborted_transactions => producer_id first_offset TAG_BUFFER
        records => COMPACT_RECORDS
  Partition errors do not fail the response: the caller decides per partition.
*/
export const parseFetchResponse = (
  _correlationId: number,
  _apiKey: number,
  _apiVersion: number,
  reader: Reader,
): FetchResponse => {
  const throttleTimeMs = reader.readInt32();
  const errorCode = reader.readInt16();
  reader.readInt32(); // session id: these fetches use none
  const partitions: FetchedPartition[] = [];
  const topics = reader.readUnsignedVarInt() - 1;
  for (let t = 0; t < topics; t++) {
    const topicId = reader.readUUID();
    const count = reader.readUnsignedVarInt() - 1;
    for (let p = 0; p < count; p++) {
      const partition = reader.readInt32();
      const partitionError = reader.readInt16();
      const highWatermark = Number(reader.readInt64());
      const lastStableOffset = Number(reader.readInt64());
      const logStartOffset = Number(reader.readInt64());
      const abortedTransactions = reader.readNullableArray((r) => ({
        producerId: Number(r.readInt64()),
        firstOffset: Number(r.readInt64()),
      }));
      reader.readInt32(); // preferred read replica
      // COMPACT_RECORDS: the length plus one, 0 for null.
      const size = reader.readUnsignedVarInt() - 1;
      let records: Buffer | null = null;
      if (size > 0) {
        // One Buffer: a view of the socket's chunk when the batches lie in one, else a copy.
        records = reader.buffer.slice(reader.position, reader.position + size);
        reader.skip(size);
      }
      reader.readTaggedFields();
      partitions.push({
        topicId,
        partition,
        errorCode: partitionError,
        highWatermark,
        lastStableOffset,
        logStartOffset,
        abortedTransactions,
        records,
      });
    }
    reader.readTaggedFields();
  }
  reader.readTaggedFields();
  return { throttleTimeMs, errorCode, partitions };
};
