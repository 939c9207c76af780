import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32Of } from '../../../src/connectors/log/crc32.js';

describe('crc32Of', () => {
  it('equals zlib’s CRC-32 of the range, short or long, at any alignment', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3_000 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const buffer = Buffer.from(bytes);
        const start = bytes.length === 0 ? 0 : a % (bytes.length + 1);
        const end = start + (bytes.length === 0 ? 0 : b % (bytes.length - start + 1));
        expect(crc32Of(buffer, start, end)).toBe(crc32(buffer.subarray(start, end)));
      }),
      { numRuns: 500 },
    );
  });

  it('gives the check value of the standard', () => {
    expect(crc32Of(Buffer.from('123456789'), 0, 9)).toBe(0xcbf43926);
  });
});
