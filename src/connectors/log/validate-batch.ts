import { TributaryError } from '../../errors.js';
import {
  type AppendRecord,
  bodyBytes,
  MAX_BODY_BYTES,
  MAX_HEADER_KEY_BYTES,
  MAX_HEADERS,
} from './record-format.js';

const badRecord = (field: string, problem: string, fix: string): TributaryError =>
  new TributaryError('TRB_LOG_BAD_RECORD', `${field} ${problem}; ${fix}`);

/** A record's `partition` is not one of the topic's. */
export const badPartition = (index: number, partition: unknown, topic: string, partitions: number) =>
  badRecord(
    `records[${index}].partition`,
    `is ${String(partition)}, but topic '${topic}' has ${partitions === 1 ? '1 partition' : `${partitions} partitions`}`,
    `pass an integer from 0 to ${partitions - 1}, or leave it out to place the record by key (or round-robin)`,
  );

const checkHeaders = (i: number, headers: unknown): void => {
  if (!Array.isArray(headers)) {
    throw badRecord(`records[${i}].headers`, 'is not an array', 'pass [[key, Buffer], …] or leave it out');
  }
  if (headers.length > MAX_HEADERS) {
    throw badRecord(`records[${i}].headers`, `has ${headers.length} entries`, `keep to ${MAX_HEADERS}`);
  }
  for (let j = 0; j < headers.length; j++) {
    const field = `records[${i}].headers[${j}]`;
    const header: unknown = headers[j];
    if (!Array.isArray(header) || header.length !== 2) {
      throw badRecord(field, 'is not a [key, value] pair', "pass e.g. ['trace-id', Buffer.from('abc')]");
    }
    const [key, value] = header as unknown[];
    if (typeof key !== 'string') {
      throw badRecord(field, `has a ${typeof key} key`, 'use a string key');
    }
    if (Buffer.byteLength(key, 'utf8') > MAX_HEADER_KEY_BYTES) {
      throw badRecord(field, 'has a key longer than 64 KiB in UTF-8', 'shorten the key');
    }
    if (!(value instanceof Uint8Array)) {
      throw badRecord(
        field,
        'has a value that is not a Buffer or Uint8Array',
        'encode it, e.g. Buffer.from(text)',
      );
    }
  }
};

/**
 * Checks a batch before anything of it is written, so a bad record never leaves half a batch.
 * `partitions` is the topic's count, which an explicit `record.partition` must stay under.
 */
export const validateBatch = (
  records: unknown,
  topic: string,
  partitions: number,
): readonly AppendRecord[] => {
  if (!Array.isArray(records)) {
    throw new TributaryError(
      'TRB_LOG_BAD_RECORD',
      'records must be an array of { value, key?, timestamp?, headers?, partition? }',
    );
  }
  for (let i = 0; i < records.length; i++) {
    const record = records[i] as AppendRecord | null;
    if (typeof record !== 'object' || record === null) {
      throw badRecord(
        `records[${i}].value`,
        'is missing: the record is not an object',
        'pass { value: Buffer }',
      );
    }
    if (!(record.value instanceof Uint8Array)) {
      throw badRecord(
        `records[${i}].value`,
        'is not a Buffer or Uint8Array',
        'encode it first, e.g. Buffer.from(json)',
      );
    }
    if (record.key !== undefined && typeof record.key !== 'string') {
      throw badRecord(`records[${i}].key`, `is a ${typeof record.key}`, 'pass a string or leave it out');
    }
    if (record.timestamp !== undefined && !Number.isFinite(record.timestamp)) {
      throw badRecord(
        `records[${i}].timestamp`,
        `is ${String(record.timestamp)}`,
        'pass milliseconds since the epoch',
      );
    }
    if (record.headers !== undefined) checkHeaders(i, record.headers);
    const { partition } = record;
    if (
      partition !== undefined &&
      !(Number.isInteger(partition) && partition >= 0 && partition < partitions)
    ) {
      throw badPartition(i, partition, topic, partitions);
    }
    if (bodyBytes(record) > MAX_BODY_BYTES) {
      throw badRecord(
        `records[${i}].value`,
        'with its key and headers exceeds the 4 GiB record limit',
        'split the value',
      );
    }
  }
  return records as readonly AppendRecord[];
};
