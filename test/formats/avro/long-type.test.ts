import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactLongType, fromVarint, isAvroLong, toVarint } from '../../../src/formats/avro/long-type.js';

/** Avro's long by the book, in bigints: zigzag, then 7 bits a byte, low first. */
const referenceVarint = (value: bigint): Buffer => {
  let zigzag = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  const out: number[] = [];
  do {
    const low = Number(zigzag & 0x7fn);
    zigzag >>= 7n;
    out.push(zigzag > 0n ? low | 0x80 : low);
  } while (zigzag > 0n);
  return Buffer.from(out);
};

const asJs = (value: bigint): number | bigint =>
  Number.isSafeInteger(Number(value)) && BigInt(Number(value)) === value ? Number(value) : value;

describe("Avro's long", () => {
  it('reads and writes every 64-bit value as the spec encodes it: a number while exact, a bigint past that', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (value) => {
        const bytes = referenceVarint(value);
        expect(fromVarint(bytes)).toStrictEqual(asJs(value));
        expect(toVarint(asJs(value))).toEqual(bytes);
      }),
      { numRuns: 2_000 },
    );
  });

  it('is exact at the edges of a number, of 49 bits (its fast path) and of 64 bits', () => {
    const edges = [
      0n,
      -1n,
      1n,
      2n ** 48n - 1n,
      -(2n ** 48n),
      2n ** 48n,
      2n ** 53n - 1n,
      -(2n ** 53n - 1n),
      2n ** 53n,
      -(2n ** 53n),
      2n ** 63n - 1n,
      -(2n ** 63n),
    ];
    for (const edge of edges) {
      expect(fromVarint(referenceVarint(edge))).toStrictEqual(asJs(edge));
      expect(toVarint(asJs(edge))).toEqual(referenceVarint(edge));
    }
    // 2^53 is the first integer a double cannot tell from its neighbour: a bigint.
    expect(typeof fromVarint(referenceVarint(2n ** 53n))).toBe('bigint');
    expect(typeof fromVarint(referenceVarint(2n ** 53n - 1n))).toBe('number');
  });

  it('refuses a long of more than 10 bytes, which no writer makes', () => {
    expect(() =>
      fromVarint(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])),
    ).toThrow('a long of 11 bytes, more than the 10 that 64 bits take');
  });

  it('takes safe integers and 64-bit bigints, nothing else', () => {
    expect([1, -5, Number.MAX_SAFE_INTEGER, 2n ** 63n - 1n].every(isAvroLong)).toBe(true);
    expect([1.5, 2 ** 53, 2n ** 63n, '1', null].some(isAvroLong)).toBe(false);
  });

  it('round-trips through avsc as a type', () => {
    const nanos = 1_733_390_000_123_456_789n;
    expect(exactLongType.fromBuffer(exactLongType.toBuffer(nanos))).toBe(nanos);
    expect(exactLongType.fromBuffer(exactLongType.toBuffer(-42))).toBe(-42);
  });
});
