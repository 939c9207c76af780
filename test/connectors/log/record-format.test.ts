import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AppendRecord,
  bodyLengthAt,
  decodeFrame,
  encodeBatch,
  FRAME_HEADER_BYTES,
  FRAME_OVERHEAD_BYTES,
  frameIsIntact,
  HEADER_OVERHEAD_BYTES,
  isPlausibleBodyLength,
} from '../../../src/connectors/log/record-format.js';

const headerArbitrary = fc.tuple(
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.uint8Array({ maxLength: 16 }).map((bytes) => Buffer.from(bytes)),
);

const recordArbitrary = fc.record(
  {
    value: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
    key: fc.string({ unit: 'grapheme', maxLength: 12 }),
    timestamp: fc.double({ noNaN: true, noDefaultInfinity: true }),
    headers: fc.array(headerArbitrary, { maxLength: 4 }),
  },
  { requiredKeys: ['value'] },
);

/** Splits an encoded batch into frames by their length prefixes. */
const frames = (buffer: Buffer): { pos: number; bytes: number }[] => {
  const found: { pos: number; bytes: number }[] = [];
  for (let pos = 0; pos < buffer.length; ) {
    const bytes = FRAME_HEADER_BYTES + bodyLengthAt(buffer, pos);
    found.push({ pos, bytes });
    pos += bytes;
  }
  return found;
};

/**
 * A version 1 frame, as the log wrote before headers existed (the layout of commit
 * e2b054e): version · offset · timestamp · key length · key · value, no header count.
 */
const encodeV1 = (offset: number, timestamp: number, key: string | undefined, value: Buffer): Buffer => {
  const keyBytes = key === undefined ? Buffer.alloc(0) : Buffer.from(key, 'utf8');
  const body = Buffer.alloc(21 + keyBytes.length + value.length);
  body.writeUInt8(1, 0);
  body.writeUInt32LE(Math.floor(offset / 2 ** 32), 1);
  body.writeUInt32LE(offset % 2 ** 32, 5);
  body.writeDoubleLE(timestamp, 9);
  body.writeInt32LE(key === undefined ? -1 : keyBytes.length, 17);
  keyBytes.copy(body, 21);
  value.copy(body, 21 + keyBytes.length);
  const frame = Buffer.alloc(8);
  frame.writeUInt32LE(body.length, 0);
  frame.writeUInt32LE(crc32(body), 4);
  return Buffer.concat([frame, body]);
};

describe('the record frame', () => {
  it('decodes what it encoded, with offsets from the batch base and headers in order', () => {
    fc.assert(
      fc.property(fc.array(recordArbitrary, { maxLength: 20 }), fc.nat(2 ** 52), (records, base) => {
        const batch = encodeBatch(records as AppendRecord[], base, 42);
        const decoded = frames(batch.buffer).map(({ pos, bytes }) => {
          expect(frameIsIntact(batch.buffer, pos, bytes)).toBe(true);
          return decodeFrame(batch.buffer, pos, bytes);
        });
        expect(decoded).toEqual(
          records.map((r, i) => ({
            offset: base + i,
            timestamp: r.timestamp ?? 42,
            ...(r.key === undefined ? {} : { key: r.key }),
            ...(r.headers === undefined || r.headers.length === 0 ? {} : { headers: r.headers }),
            value: r.value,
          })),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('keeps duplicate header keys, empty keys and empty values', () => {
    const headers = [
      ['trace', Buffer.from('a')],
      ['trace', Buffer.from('b')],
      ['', Buffer.alloc(0)],
      ['ключ', Buffer.from([0, 255])],
    ] as const;
    const { buffer } = encodeBatch([{ value: Buffer.from('v'), headers }], 0, 0);
    const record = decodeFrame(buffer, 0, buffer.length);
    expect(record.headers).toEqual(headers);
    expect(record.value.toString()).toBe('v');
  });

  it('costs 31 bytes per record beyond key and value, and 6 per header beyond its key and value', () => {
    expect(encodeBatch([{ value: Buffer.alloc(10), key: 'abc' }], 0, 0).buffer.length).toBe(
      FRAME_OVERHEAD_BYTES + 13,
    );
    expect(FRAME_OVERHEAD_BYTES).toBe(31);
    const withHeader = encodeBatch([{ value: Buffer.alloc(10), headers: [['ab', Buffer.alloc(5)]] }], 0, 0);
    expect(withHeader.buffer.length).toBe(FRAME_OVERHEAD_BYTES + 10 + HEADER_OVERHEAD_BYTES + 7);
  });

  it('still reads version 1 frames, written before headers', () => {
    fc.assert(
      fc.property(
        recordArbitrary,
        fc.nat(2 ** 52),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        (r, offset, timestamp) => {
          const frame = encodeV1(offset, timestamp, r.key, r.value);
          expect(frameIsIntact(frame, 0, frame.length)).toBe(true);
          expect(decodeFrame(frame, 0, frame.length)).toEqual({
            offset,
            timestamp,
            ...(r.key === undefined ? {} : { key: r.key }),
            value: r.value,
          });
        },
      ),
    );
  });

  it('refuses a frame whose header lengths point past its end, even with a matching CRC', () => {
    const { buffer } = encodeBatch([{ value: Buffer.alloc(0), headers: [['k', Buffer.from('v')]] }], 0, 0);
    const bodyStart = FRAME_HEADER_BYTES;
    const valueLength = bodyStart + 21 + 2 + 2 + 1; // version…key length · count · header key length · key
    buffer.writeUInt32LE(1000, valueLength);
    buffer.writeUInt32LE(crc32(buffer.subarray(bodyStart)), 4);
    expect(frameIsIntact(buffer, 0, buffer.length)).toBe(false);
  });

  it('notices any single changed byte in a frame', () => {
    fc.assert(
      fc.property(recordArbitrary, fc.nat(), fc.integer({ min: 1, max: 255 }), (record, at, mask) => {
        const { buffer } = encodeBatch([record as AppendRecord], 7, 0);
        const position = at % buffer.length;
        buffer[position] ^= mask;
        const bodyLength = bodyLengthAt(buffer, 0);
        const looksWhole =
          isPlausibleBodyLength(bodyLength) && FRAME_HEADER_BYTES + bodyLength === buffer.length;
        expect(looksWhole && frameIsIntact(buffer, 0, buffer.length)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
