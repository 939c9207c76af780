/**
 * One partition's record batches, as a Fetch response carries them, read straight into the
 * source contract's columnar batch: offsets, timestamps and value positions into typed
 * arrays, keys as strings, values left where they are — `data` is the response's own bytes
 * (with the decompressed payloads of compressed batches after them), so no value is copied.
 *
 * The records kept: those at or past `from`, without control markers and — read committed — without the
 * records of aborted transactions; timestamps as created, or as appended for a LogAppendTime
 * topic; `nextOffset` past every complete batch, markers included.
 *
 * Record batch (magic 2):
 *   baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 | crc int32 |
 *   attributes int16 | lastOffsetDelta int32 | baseTimestamp int64 | maxTimestamp int64 |
 *   producerId int64 | producerEpoch int16 | baseSequence int32 | recordCount int32 | records
 * Record: length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
 *   keyLength varint | key | valueLength varint | value | headerCount varint |
 *   [headerKeyLength varint | headerKey | headerValueLength varint | headerValue]
 */
import { compressionsAlgorithmsByBitmask } from '@platformatic/kafka';
import { TributaryError } from '../../errors.js';
import type { RecordBatch, RecordHeaders } from '../source.js';
import type { AbortedTransaction } from './fetch-response.js';

/** baseOffset and batchLength: `batchLength` counts the bytes after them. */
const BATCH_HEAD = 12;
const MAGIC = 16;
const ATTRIBUTES = 21;
const LAST_OFFSET_DELTA = 23;
const BASE_TIMESTAMP = 27;
const MAX_TIMESTAMP = 35;
const PRODUCER_ID = 43;
const RECORD_COUNT = 57;
const RECORDS = 61;

const COMPRESSION = 0x07;
/** The broker set the timestamps on append: every record's is the batch's `maxTimestamp`. */
const LOG_APPEND_TIME = 0x08;
const TRANSACTIONAL = 0x10;
const CONTROL = 0x20;

const NO_HEADERS: RecordHeaders = [];
const EMPTY: Uint8Array = new Uint8Array(0);

/** A complete batch of the response. */
interface Batch {
  readonly baseOffset: number;
  readonly attributes: number;
  readonly baseTimestamp: number;
  readonly maxTimestamp: number;
  readonly recordCount: number;
  /** Its records: the response's bytes, or what they decompress to. */
  payload: Buffer;
  /** Where its records start: in `payload`, then in the batch's `data`. */
  payloadStart: number;
}

/**
 * The records of one partition's `records` (a Fetch response's bytes) as a columnar batch.
 * Undefined when they hold no complete batch.
 */
export const recordColumns = (
  topic: string,
  partition: number,
  from: number,
  records: Buffer,
  aborted: readonly AbortedTransaction[] | null,
  readCommitted: boolean,
): RecordBatch | undefined => {
  const { kept, nextOffset } = keptBatches(topic, partition, records, readCommitted ? (aborted ?? []) : []);
  if (nextOffset === undefined) return undefined;

  // One buffer for every value: the response's bytes, then what compressed batches held.
  let data = records;
  const inflated = kept.filter((batch) => batch.payload !== records);
  if (inflated.length > 0) {
    data = Buffer.concat([records, ...inflated.map((batch) => batch.payload)]);
    let position = records.length;
    for (const batch of inflated) {
      batch.payloadStart = position;
      position += batch.payload.length;
    }
  }

  let capacity = 0;
  for (const batch of kept) capacity += batch.recordCount;
  const offsets = new Float64Array(capacity);
  const timestamps = new Float64Array(capacity);
  const valueStarts = new Uint32Array(capacity);
  const valueEnds = new Uint32Array(capacity);
  const keys: (string | undefined)[] = new Array(capacity);
  let headers: (RecordHeaders | undefined)[] | undefined;
  let count = 0;
  for (const batch of kept) {
    const appendTime = (batch.attributes & LOG_APPEND_TIME) !== 0;
    at = batch.payloadStart;
    for (let r = 0; r < batch.recordCount; r++) {
      const length = varInt(data);
      const end = at + length;
      at++; // attributes: none defined for records
      const timestampDelta = varLong(data);
      const offset = batch.baseOffset + varInt(data);
      if (offset < from) {
        at = end;
        continue;
      }
      offsets[count] = offset;
      timestamps[count] = appendTime ? batch.maxTimestamp : batch.baseTimestamp + timestampDelta;
      const keyLength = varInt(data);
      if (keyLength >= 0) {
        keys[count] = data.toString('utf8', at, at + keyLength);
        at += keyLength;
      }
      const valueLength = varInt(data);
      valueStarts[count] = at;
      if (valueLength > 0) at += valueLength;
      valueEnds[count] = at;
      const headerCount = varInt(data);
      if (headerCount > 0) {
        headers ??= new Array(capacity);
        headers[count] = headerList(data, headerCount);
      }
      at = end;
      count++;
    }
  }
  return {
    topic,
    partition,
    count,
    offsets: count === capacity ? offsets : offsets.subarray(0, count),
    timestamps: count === capacity ? timestamps : timestamps.subarray(0, count),
    keys: count === capacity ? keys : keys.slice(0, count),
    ...(headers ? { headers: count === capacity ? headers : headers.slice(0, count) } : {}),
    data,
    valueStarts: count === capacity ? valueStarts : valueStarts.subarray(0, count),
    valueEnds: count === capacity ? valueEnds : valueEnds.subarray(0, count),
    nextOffset: Math.max(from, nextOffset),
  };
};

/**
 * The complete batches that hold records to keep: not control batches and — when `aborted`
 * lists any — not the batches of aborted transactions, decided as Kafka's own consumer does:
 * a transactional batch is aborted when its producer has an aborted transaction that began
 * at or before the batch's end and whose abort marker has not been passed yet. `nextOffset`: past the last complete batch of any
 * kind; undefined when there is none.
 */
const keptBatches = (
  topic: string,
  partition: number,
  records: Buffer,
  aborted: readonly AbortedTransaction[],
): { kept: Batch[]; nextOffset: number | undefined } => {
  const pending = aborted.length > 1 ? [...aborted].sort((a, b) => a.firstOffset - b.firstOffset) : aborted;
  const abortedProducers = new Set<number>();
  let next = 0;
  const kept: Batch[] = [];
  let nextOffset: number | undefined;
  for (let start = 0; start + BATCH_HEAD <= records.length; ) {
    const end = start + BATCH_HEAD + records.readInt32BE(start + 8);
    // The size limits may cut the last batch short: it comes whole with the next fetch.
    if (end > records.length) break;
    const magic = records[start + MAGIC];
    if (magic !== 2) {
      throw new TributaryError(
        'TRB_KAFKA_FAILED',
        `Kafka topic "${topic}" partition ${partition} holds records in message format v${magic}; only v2 (Kafka 0.11 and later) is read: rewrite the topic with a current client`,
      );
    }
    const baseOffset = int64(records, start);
    const lastOffset = baseOffset + records.readInt32BE(start + LAST_OFFSET_DELTA);
    nextOffset = lastOffset + 1;
    const attributes = records.readInt16BE(start + ATTRIBUTES);
    const producerId = int64(records, start + PRODUCER_ID);
    let batch: Batch | undefined = {
      baseOffset,
      attributes,
      baseTimestamp: int64(records, start + BASE_TIMESTAMP),
      maxTimestamp: int64(records, start + MAX_TIMESTAMP),
      recordCount: records.readInt32BE(start + RECORD_COUNT),
      payload: records,
      payloadStart: start + RECORDS,
    };
    if (attributes & COMPRESSION) {
      batch.payload = inflate(
        topic,
        partition,
        attributes & COMPRESSION,
        records.subarray(start + RECORDS, end),
      );
      batch.payloadStart = 0;
    }
    if (aborted.length > 0 && producerId >= 0) {
      while (next < pending.length && pending[next].firstOffset <= lastOffset)
        abortedProducers.add(pending[next++].producerId);
      if (attributes & CONTROL) {
        if (isAbortMarker(batch)) abortedProducers.delete(producerId);
      } else if (attributes & TRANSACTIONAL && abortedProducers.has(producerId)) {
        batch = undefined;
      }
    }
    if (batch && !(attributes & CONTROL)) kept.push(batch);
    start = end;
  }
  return { kept, nextOffset };
};

/** A control record's key is a version (int16) and a type (int16): 0 aborts, 1 commits. */
const isAbortMarker = (batch: Batch): boolean => {
  if (batch.recordCount === 0) return false;
  const data = batch.payload;
  at = batch.payloadStart;
  varInt(data); // length
  at++; // attributes
  varLong(data); // timestamp delta
  varInt(data); // offset delta
  const keyLength = varInt(data);
  return keyLength >= 4 && data.readInt16BE(at + 2) === 0;
};

const inflate = (topic: string, partition: number, codec: number, compressed: Buffer): Buffer => {
  const algorithm = compressionsAlgorithmsByBitmask[codec];
  if (!algorithm?.available) {
    throw new TributaryError(
      'TRB_KAFKA_FAILED',
      `Kafka topic "${topic}" partition ${partition} has batches compressed with codec ${codec}, which this Node cannot decompress`,
    );
  }
  return algorithm.decompressSync(compressed);
};

const headerList = (data: Buffer, count: number): RecordHeaders => {
  if (count <= 0) return NO_HEADERS;
  const list: (readonly [string, Uint8Array])[] = new Array(count);
  for (let h = 0; h < count; h++) {
    const keyLength = varInt(data);
    const key = keyLength > 0 ? data.toString('utf8', at, at + keyLength) : '';
    if (keyLength > 0) at += keyLength;
    const valueLength = varInt(data);
    let value = EMPTY;
    if (valueLength >= 0) {
      value = data.subarray(at, at + valueLength);
      at += valueLength;
    }
    list[h] = [key, value];
  }
  return list;
};

/** A signed 64-bit integer as a number: exact up to 2^53, as offsets, timestamps and producer ids are. */
const int64 = (data: Buffer, position: number): number =>
  data.readInt32BE(position) * 4_294_967_296 + data.readUInt32BE(position + 4);

/** Where the varint readers are in the buffer they read: one cursor, as the reading is never interleaved. */
let at = 0;

/** A zigzag varint of up to 32 bits. */
const varInt = (data: Buffer): number => {
  let byte = data[at++];
  let value = byte & 0x7f;
  if (byte & 0x80) {
    byte = data[at++];
    value |= (byte & 0x7f) << 7;
    if (byte & 0x80) {
      byte = data[at++];
      value |= (byte & 0x7f) << 14;
      if (byte & 0x80) {
        byte = data[at++];
        value |= (byte & 0x7f) << 21;
        if (byte & 0x80) {
          byte = data[at++];
          value |= byte << 28;
        }
      }
    }
  }
  return (value >>> 1) ^ -(value & 1);
};

/** A zigzag varint of up to 64 bits, exact up to 2^53. */
const varLong = (data: Buffer): number => {
  let byte = data[at++];
  if (byte < 0x80) return (byte >>> 1) ^ -(byte & 1);
  let value = byte & 0x7f;
  let scale = 128;
  do {
    byte = data[at++];
    value += (byte & 0x7f) * scale;
    scale *= 128;
  } while (byte & 0x80);
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
};
