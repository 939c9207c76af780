import { crc32Of } from './crc32.js';

/*
 * How one record is laid out in a segment file (little-endian):
 *
 *   frame header  u32 body length · u32 CRC32 of the body
 *   body v2       u8 format version (2) · u32 offset (high) · u32 offset (low) · f64 timestamp ·
 *                 i32 key length (-1: no key) · key (UTF-8) ·
 *                 u16 header count · per header: u16 key length · key (UTF-8) · u32 value length · value ·
 *                 value
 *   body v1       the same without the header count and headers (written before headers existed;
 *                 still read, never written)
 *
 * The length comes first so that a reader can skip a record without decoding it, and the
 * checksum covers everything the reader trusts: a torn write (the file ends inside a frame)
 * or a changed byte shows as a frame that is incomplete or fails its CRC. Storing the offset
 * in every record costs 8 bytes but lets recovery and reads prove that offsets are dense.
 * Headers sit before the value so that the value stays "the rest of the frame", as in v1.
 */
export const FRAME_HEADER_BYTES = 8;
/** The fixed part of a v1 body: also the smallest body any frame can have. */
export const BODY_HEADER_BYTES = 21;
const HEADER_COUNT_BYTES = 2;
/** What a v2 record costs beyond its key, headers and value. */
export const FRAME_OVERHEAD_BYTES = FRAME_HEADER_BYTES + BODY_HEADER_BYTES + HEADER_COUNT_BYTES;
/** Per header, beyond its key and value: u16 key length and u32 value length. */
export const HEADER_OVERHEAD_BYTES = 6;
const FORMAT_V1 = 1;
const FORMAT_V2 = 2;
/** The body length is a u32. */
export const MAX_BODY_BYTES = 0xffff_ffff;
/** Header count and header key lengths are u16. */
export const MAX_HEADERS = 0xffff;
export const MAX_HEADER_KEY_BYTES = 0xffff;
const TWO_32 = 2 ** 32;

/** A record header: a key and a binary value, as in Kafka. Keys may repeat. */
export type RecordHeader = readonly [key: string, value: Uint8Array];

/** A record as given to `append`. */
export interface AppendRecord {
  readonly value: Uint8Array;
  /** Places the record by Kafka's key hash unless `partition` is given; kept with the record. */
  readonly key?: string;
  /** Milliseconds since the epoch; the log's clock at write time when absent. */
  readonly timestamp?: number;
  /** Ordered; duplicate keys allowed. */
  readonly headers?: readonly RecordHeader[];
  /** The partition to append to; by key hash, or round-robin without a key, when absent. */
  readonly partition?: number;
}

/** A record as returned by `read`. */
export interface LogRecord {
  readonly offset: number;
  readonly timestamp: number;
  readonly key?: string;
  /** In append order; absent when the record has none. Values share memory like `value`. */
  readonly headers?: readonly (readonly [key: string, value: Buffer])[];
  /** Shares memory with the chunk it was read in: copy it if you keep a few values for long. */
  readonly value: Buffer;
}

export interface EncodedBatch {
  readonly buffer: Buffer;
  readonly baseOffset: number;
  readonly count: number;
  readonly maxTimestamp: number;
}

const headersBytes = (headers: readonly RecordHeader[]): number => {
  let bytes = 0;
  for (const [key, value] of headers) {
    bytes += HEADER_OVERHEAD_BYTES + Buffer.byteLength(key, 'utf8') + value.length;
  }
  return bytes;
};

/** The bytes a validated record's body takes. */
export const bodyBytes = (record: AppendRecord): number =>
  BODY_HEADER_BYTES +
  HEADER_COUNT_BYTES +
  (record.key === undefined ? 0 : Buffer.byteLength(record.key, 'utf8')) +
  (record.headers === undefined ? 0 : headersBytes(record.headers)) +
  record.value.length;

/** Encodes a validated batch (v2 frames) into one buffer, so that the whole batch is one write. */
export const encodeBatch = (
  records: readonly AppendRecord[],
  baseOffset: number,
  now: number,
): EncodedBatch => {
  const keyBytes = new Int32Array(records.length);
  let total = 0;
  for (let i = 0; i < records.length; i++) {
    const { key, headers, value } = records[i];
    keyBytes[i] = key === undefined ? -1 : Buffer.byteLength(key, 'utf8');
    total += FRAME_OVERHEAD_BYTES + Math.max(keyBytes[i], 0) + value.length;
    if (headers !== undefined) total += headersBytes(headers);
  }
  const buffer = Buffer.allocUnsafe(total);
  let maxTimestamp = Number.NEGATIVE_INFINITY;
  let pos = 0;
  for (let i = 0; i < records.length; i++) {
    const { key, headers, value } = records[i];
    const timestamp = records[i].timestamp ?? now;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    const offset = baseOffset + i;
    const bodyStart = pos + FRAME_HEADER_BYTES;
    buffer.writeUInt8(FORMAT_V2, bodyStart);
    buffer.writeUInt32LE(Math.floor(offset / TWO_32), bodyStart + 1);
    buffer.writeUInt32LE(offset % TWO_32, bodyStart + 5);
    buffer.writeDoubleLE(timestamp, bodyStart + 9);
    buffer.writeInt32LE(keyBytes[i], bodyStart + 17);
    let at = bodyStart + BODY_HEADER_BYTES;
    if (key !== undefined) at += buffer.write(key, at, 'utf8');
    if (headers === undefined || headers.length === 0) {
      buffer.writeUInt16LE(0, at);
      at += HEADER_COUNT_BYTES;
    } else {
      at = writeHeaders(buffer, at, headers);
    }
    buffer.set(value, at);
    const bodyEnd = at + value.length;
    buffer.writeUInt32LE(bodyEnd - bodyStart, pos);
    buffer.writeUInt32LE(crc32Of(buffer, bodyStart, bodyEnd), pos + 4);
    pos = bodyEnd;
  }
  return { buffer, baseOffset, count: records.length, maxTimestamp };
};

const writeHeaders = (buffer: Buffer, start: number, headers: readonly RecordHeader[]): number => {
  buffer.writeUInt16LE(headers.length, start);
  let at = start + HEADER_COUNT_BYTES;
  for (const [key, value] of headers) {
    const keyLength = buffer.write(key, at + 2, 'utf8');
    buffer.writeUInt16LE(keyLength, at);
    at += 2 + keyLength;
    buffer.writeUInt32LE(value.length, at);
    buffer.set(value, at + 4);
    at += 4 + value.length;
  }
  return at;
};

/** A little-endian u16 without `readUInt16LE`'s range checks: on the read path of every record. */
const u16 = (buffer: Buffer, at: number): number => buffer[at] | (buffer[at + 1] << 8);

/** The body length a frame header at `pos` claims; check it with `frameIsIntact` before trusting it. */
export const bodyLengthAt = (buffer: Buffer, pos: number): number => buffer.readUInt32LE(pos);

/** Whether a claimed body length can be a record at all (a zero-filled tail claims 0). */
export const isPlausibleBodyLength = (length: number): boolean => length >= BODY_HEADER_BYTES;

/**
 * Where the value of the frame whose body spans [bodyStart, end) begins, or -1 when the
 * key or header lengths point outside the body (a frame no writer made).
 */
const valueStart = (buffer: Buffer, bodyStart: number, end: number): number => {
  const version = buffer[bodyStart];
  if (version !== FORMAT_V1 && version !== FORMAT_V2) return -1;
  const keyLength = buffer.readInt32LE(bodyStart + 17);
  if (keyLength < -1) return -1;
  let at = bodyStart + BODY_HEADER_BYTES + Math.max(keyLength, 0);
  if (version === FORMAT_V1) return at <= end ? at : -1;
  if (at + HEADER_COUNT_BYTES > end) return -1;
  const count = u16(buffer, at);
  at += HEADER_COUNT_BYTES;
  for (let j = 0; j < count; j++) {
    if (at + 2 > end) return -1;
    at += 2 + u16(buffer, at);
    if (at + 4 > end) return -1;
    at += 4 + buffer.readUInt32LE(at);
  }
  return at <= end ? at : -1;
};

/**
 * Where the value of the complete frame at `pos` begins, or -1 unless the frame has a known
 * version, fits its length and its checksum matches.
 */
export const intactValueStart = (buffer: Buffer, pos: number, frameBytes: number): number => {
  const bodyStart = pos + FRAME_HEADER_BYTES;
  const end = pos + frameBytes;
  const at = valueStart(buffer, bodyStart, end);
  if (at < 0) return -1;
  return crc32Of(buffer, bodyStart, end) === buffer.readUInt32LE(pos + 4) ? at : -1;
};

export const frameIsIntact = (buffer: Buffer, pos: number, frameBytes: number): boolean =>
  intactValueStart(buffer, pos, frameBytes) >= 0;

export const frameOffset = (buffer: Buffer, pos: number): number =>
  buffer.readUInt32LE(pos + FRAME_HEADER_BYTES + 1) * TWO_32 +
  buffer.readUInt32LE(pos + FRAME_HEADER_BYTES + 5);

export const frameTimestamp = (buffer: Buffer, pos: number): number =>
  buffer.readDoubleLE(pos + FRAME_HEADER_BYTES + 9);

/** The key of the intact frame at `pos`, if it has one. */
export const frameKey = (buffer: Buffer, pos: number): string | undefined => {
  const bodyStart = pos + FRAME_HEADER_BYTES;
  const keyLength = buffer.readInt32LE(bodyStart + 17);
  if (keyLength < 0) return undefined;
  const keyStart = bodyStart + BODY_HEADER_BYTES;
  return buffer.toString('utf8', keyStart, keyStart + keyLength);
};

/** The headers of the intact frame at `pos` in order (values are views into `buffer`), if it has any. */
export const frameHeaders = (buffer: Buffer, pos: number): [string, Buffer][] | undefined => {
  const bodyStart = pos + FRAME_HEADER_BYTES;
  if (buffer[bodyStart] !== FORMAT_V2) return undefined;
  let at = bodyStart + BODY_HEADER_BYTES + Math.max(buffer.readInt32LE(bodyStart + 17), 0);
  const count = u16(buffer, at);
  if (count === 0) return undefined;
  at += HEADER_COUNT_BYTES;
  const headers: [string, Buffer][] = new Array(count);
  for (let j = 0; j < count; j++) {
    const headerKeyEnd = at + 2 + u16(buffer, at);
    const headerKey = buffer.toString('utf8', at + 2, headerKeyEnd);
    const valueEnd = headerKeyEnd + 4 + buffer.readUInt32LE(headerKeyEnd);
    headers[j] = [headerKey, buffer.subarray(headerKeyEnd + 4, valueEnd)];
    at = valueEnd;
  }
  return headers;
};

/** Decodes an intact frame (v1 or v2); the value and header values are views into `buffer`. */
export const decodeFrame = (buffer: Buffer, pos: number, frameBytes: number): LogRecord => {
  const end = pos + frameBytes;
  const offset = frameOffset(buffer, pos);
  const timestamp = frameTimestamp(buffer, pos);
  const headers = frameHeaders(buffer, pos);
  const value = buffer.subarray(valueStart(buffer, pos + FRAME_HEADER_BYTES, end), end);
  const key = frameKey(buffer, pos);
  // Absent fields are left out rather than set to undefined, so records compare equal in tests and logs.
  if (headers === undefined)
    return key === undefined ? { offset, timestamp, value } : { offset, timestamp, key, value };
  return key === undefined
    ? { offset, timestamp, headers, value }
    : { offset, timestamp, key, headers, value };
};
