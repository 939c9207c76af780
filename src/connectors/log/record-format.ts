import { crc32 } from 'node:zlib';
import { TributaryError } from '../../engine/errors.js';

/*
 * How one record is laid out in a segment file (little-endian):
 *
 *   frame header  u32 body length · u32 CRC32 of the body
 *   body          u8 format version · u32 offset (high) · u32 offset (low) · f64 timestamp ·
 *                 i32 key length (-1: no key) · key (UTF-8) · value
 *
 * The length comes first so that a reader can skip a record without decoding it, and the
 * checksum covers everything the reader trusts: a torn write (the file ends inside a frame)
 * or a changed byte shows as a frame that is incomplete or fails its CRC. Storing the offset
 * in every record costs 8 bytes but lets recovery and reads prove that offsets are dense.
 */
export const FRAME_HEADER_BYTES = 8;
export const BODY_HEADER_BYTES = 21;
export const FRAME_OVERHEAD_BYTES = FRAME_HEADER_BYTES + BODY_HEADER_BYTES;
const FORMAT_VERSION = 1;
/** The body length is a u32. */
export const MAX_BODY_BYTES = 0xffff_ffff;
const TWO_32 = 2 ** 32;

/** A record as given to `append`. */
export interface AppendRecord {
  readonly value: Uint8Array;
  readonly key?: string;
  /** Milliseconds since the epoch; the log's clock at write time when absent. */
  readonly timestamp?: number;
}

/** A record as returned by `read`. */
export interface LogRecord {
  readonly offset: number;
  readonly timestamp: number;
  readonly key?: string;
  /** Shares memory with the chunk it was read in: copy it if you keep a few values for long. */
  readonly value: Buffer;
}

export interface EncodedBatch {
  readonly buffer: Buffer;
  readonly baseOffset: number;
  readonly count: number;
  readonly maxTimestamp: number;
}

const badRecord = (index: number, field: string, problem: string, fix: string): TributaryError =>
  new TributaryError('TRB_LOG_BAD_RECORD', `records[${index}].${field} ${problem}; ${fix}`);

/** Checks a batch before anything of it is written, so a bad record never leaves half a batch. */
export const validateBatch = (records: unknown): readonly AppendRecord[] => {
  if (!Array.isArray(records)) {
    throw new TributaryError('TRB_LOG_BAD_RECORD', 'records must be an array of { value, key?, timestamp? }');
  }
  for (let i = 0; i < records.length; i++) {
    const record = records[i] as AppendRecord | null;
    if (typeof record !== 'object' || record === null) {
      throw badRecord(i, 'value', 'is missing: the record is not an object', 'pass { value: Buffer }');
    }
    if (!(record.value instanceof Uint8Array)) {
      throw badRecord(i, 'value', 'is not a Buffer or Uint8Array', 'encode it first, e.g. Buffer.from(json)');
    }
    if (record.key !== undefined && typeof record.key !== 'string') {
      throw badRecord(i, 'key', `is a ${typeof record.key}`, 'pass a string or leave it out');
    }
    if (record.timestamp !== undefined && !Number.isFinite(record.timestamp)) {
      throw badRecord(i, 'timestamp', `is ${String(record.timestamp)}`, 'pass milliseconds since the epoch');
    }
    const keyBytes = record.key === undefined ? 0 : Buffer.byteLength(record.key, 'utf8');
    if (BODY_HEADER_BYTES + keyBytes + record.value.length > MAX_BODY_BYTES) {
      throw badRecord(i, 'value', 'with its key exceeds the 4 GiB record limit', 'split the value');
    }
  }
  return records as readonly AppendRecord[];
};

/** Encodes a validated batch into one buffer, so that the whole batch is one write. */
export const encodeBatch = (
  records: readonly AppendRecord[],
  baseOffset: number,
  now: number,
): EncodedBatch => {
  const keyBytes = new Int32Array(records.length);
  let total = 0;
  for (let i = 0; i < records.length; i++) {
    const key = records[i].key;
    keyBytes[i] = key === undefined ? -1 : Buffer.byteLength(key, 'utf8');
    total += FRAME_OVERHEAD_BYTES + Math.max(keyBytes[i], 0) + records[i].value.length;
  }
  const buffer = Buffer.allocUnsafe(total);
  let maxTimestamp = Number.NEGATIVE_INFINITY;
  let pos = 0;
  for (let i = 0; i < records.length; i++) {
    const { key, value } = records[i];
    const timestamp = records[i].timestamp ?? now;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    const offset = baseOffset + i;
    const bodyStart = pos + FRAME_HEADER_BYTES;
    const bodyLength = BODY_HEADER_BYTES + Math.max(keyBytes[i], 0) + value.length;
    buffer.writeUInt8(FORMAT_VERSION, bodyStart);
    buffer.writeUInt32LE(Math.floor(offset / TWO_32), bodyStart + 1);
    buffer.writeUInt32LE(offset % TWO_32, bodyStart + 5);
    buffer.writeDoubleLE(timestamp, bodyStart + 9);
    buffer.writeInt32LE(keyBytes[i], bodyStart + 17);
    let at = bodyStart + BODY_HEADER_BYTES;
    if (key !== undefined) at += buffer.write(key, at, 'utf8');
    buffer.set(value, at);
    buffer.writeUInt32LE(bodyLength, pos);
    buffer.writeUInt32LE(crc32(buffer.subarray(bodyStart, bodyStart + bodyLength)), pos + 4);
    pos = bodyStart + bodyLength;
  }
  return { buffer, baseOffset, count: records.length, maxTimestamp };
};

/** The body length a frame header at `pos` claims; check it with `frameIsIntact` before trusting it. */
export const bodyLengthAt = (buffer: Buffer, pos: number): number => buffer.readUInt32LE(pos);

/** Whether a claimed body length can be a record at all (a zero-filled tail claims 0). */
export const isPlausibleBodyLength = (length: number): boolean => length >= BODY_HEADER_BYTES;

/** Whether the complete frame at `pos` has a known version and its checksum matches. */
export const frameIsIntact = (buffer: Buffer, pos: number, frameBytes: number): boolean => {
  const bodyStart = pos + FRAME_HEADER_BYTES;
  if (buffer.readUInt8(bodyStart) !== FORMAT_VERSION) return false;
  const keyLength = buffer.readInt32LE(bodyStart + 17);
  if (keyLength < -1 || BODY_HEADER_BYTES + Math.max(keyLength, 0) > frameBytes - FRAME_HEADER_BYTES)
    return false;
  return crc32(buffer.subarray(bodyStart, pos + frameBytes)) === buffer.readUInt32LE(pos + 4);
};

export const frameOffset = (buffer: Buffer, pos: number): number =>
  buffer.readUInt32LE(pos + FRAME_HEADER_BYTES + 1) * TWO_32 +
  buffer.readUInt32LE(pos + FRAME_HEADER_BYTES + 5);

export const frameTimestamp = (buffer: Buffer, pos: number): number =>
  buffer.readDoubleLE(pos + FRAME_HEADER_BYTES + 9);

/** Decodes an intact frame; the value is a view into `buffer`, not a copy. */
export const decodeFrame = (buffer: Buffer, pos: number, frameBytes: number): LogRecord => {
  const bodyStart = pos + FRAME_HEADER_BYTES;
  const keyLength = buffer.readInt32LE(bodyStart + 17);
  const keyStart = bodyStart + BODY_HEADER_BYTES;
  const valueStart = keyStart + Math.max(keyLength, 0);
  const offset = frameOffset(buffer, pos);
  const timestamp = frameTimestamp(buffer, pos);
  const value = buffer.subarray(valueStart, pos + frameBytes);
  if (keyLength < 0) return { offset, timestamp, value };
  return { offset, timestamp, key: buffer.toString('utf8', keyStart, valueStart), value };
};
