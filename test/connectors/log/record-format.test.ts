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
  isPlausibleBodyLength,
} from '../../../src/connectors/log/record-format.js';

const recordArbitrary = fc.record(
  {
    value: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
    key: fc.string({ unit: 'grapheme', maxLength: 12 }),
    timestamp: fc.double({ noNaN: true, noDefaultInfinity: true }),
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

describe('the record frame', () => {
  it('decodes what it encoded, with offsets from the batch base', () => {
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
            value: r.value,
          })),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('costs 29 bytes per record beyond key and value', () => {
    const batch = encodeBatch([{ value: Buffer.alloc(10), key: 'abc' }], 0, 0);
    expect(batch.buffer.length).toBe(FRAME_OVERHEAD_BYTES + 13);
    expect(FRAME_OVERHEAD_BYTES).toBe(29);
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
