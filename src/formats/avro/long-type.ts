/**
 * Avro's long as JavaScript gives it best: a number while it is exact (|n| ≤ 2^53 - 1,
 * timestamps in ms or µs, counters), a bigint past that (nanosecond timestamps, ids made
 * of bits) — where avsc's own long type throws "potential precision loss" and so would
 * make such records unreadable. Writes take either.
 */
import avsc from 'avsc';

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** A zigzag varint of at most 7 bytes holds 49 bits: |n| < 2^48, exact in a double. */
const EXACT_VARINT_BYTES = 7;
/** 64 bits take 10 bytes of 7; Java's and C's readers refuse a longer one as well. */
const MAX_VARINT_BYTES = 10;
/** Below this, the zigzag of a number (2|n| + 1 at most) is still exact in a double. */
const NUMBER_PATH_LIMIT = 2 ** 52;

/** The value of a zigzag varint as avsc hands it over (the bytes as written, `noUnpack`). */
export const fromVarint = (bytes: Buffer): number | bigint => {
  if (bytes.length <= EXACT_VARINT_BYTES) {
    let zigzag = 0;
    let scale = 1;
    for (let i = 0; i < bytes.length; i++) {
      zigzag += (bytes[i] & 0x7f) * scale;
      scale *= 128;
    }
    return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
  }
  if (bytes.length > MAX_VARINT_BYTES) {
    throw new Error(`a long of ${bytes.length} bytes, more than the ${MAX_VARINT_BYTES} that 64 bits take`);
  }
  let zigzag = 0n;
  let shift = 0n;
  for (const byte of bytes) {
    zigzag |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
  }
  const value = BigInt.asIntN(64, (zigzag >> 1n) ^ -(zigzag & 1n));
  return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value;
};

export const toVarint = (value: number | bigint): Buffer => {
  const out: number[] = [];
  if (typeof value === 'number' && Math.abs(value) < NUMBER_PATH_LIMIT) {
    let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
    while (zigzag >= 0x80) {
      out.push((zigzag % 0x80) | 0x80);
      zigzag = Math.floor(zigzag / 0x80);
    }
    out.push(zigzag);
    return Buffer.from(out);
  }
  const big = BigInt(value);
  let zigzag = BigInt.asUintN(64, (big << 1n) ^ (big >> 63n));
  while (zigzag >= 0x80n) {
    out.push(Number(zigzag & 0x7fn) | 0x80);
    zigzag >>= 7n;
  }
  out.push(Number(zigzag));
  return Buffer.from(out);
};

export const isAvroLong = (value: unknown): value is number | bigint =>
  typeof value === 'number'
    ? Number.isSafeInteger(value)
    : typeof value === 'bigint' && BigInt.asIntN(64, value) === value;

/** avsc's cursor over a value: the parts of it the hot path uses. */
interface Tap {
  readonly buf: Buffer;
  pos: number;
  skipLong(): void;
  writeLong(value: number): void;
}

/** The long as avsc's public extension point defines it: correct, but a Buffer view per value read. */
const abstractLong = avsc.types.LongType.__with(
  {
    fromBuffer: fromVarint,
    toBuffer: toVarint,
    isValid: isAvroLong,
    // JSON: defaults in a schema and avsc's toString; a bigint has no JSON number.
    fromJSON: (json: unknown) => (typeof json === 'number' ? json : BigInt(json as string)),
    toJSON: (value: number | bigint) => (typeof value === 'number' ? value : value.toString()),
    compare: (a: number | bigint, b: number | bigint) => (a < b ? -1 : a > b ? 1 : 0),
  },
  true,
) as unknown as { _write(tap: Tap, value: unknown): void };

/**
 * The same type with the common case read in place: a long of up to 7 bytes (|n| < 2^48,
 * every timestamp in ms or µs) without a Buffer view, which made a long cost 3× avsc's own.
 * One instance serves every long of every schema: it has no state.
 */
export const exactLongType: avsc.Type = Object.freeze(
  Object.create(abstractLong, {
    _read: {
      value(tap: Tap): number | bigint | undefined {
        const { buf } = tap;
        let pos = tap.pos;
        let byte = buf[pos++];
        let zigzag = byte & 0x7f;
        let scale = 0x80;
        for (let read = 1; byte & 0x80 && read < EXACT_VARINT_BYTES; read++) {
          byte = buf[pos++];
          zigzag += (byte & 0x7f) * scale;
          scale *= 0x80;
        }
        if (!(byte & 0x80)) {
          // Past the end of the value, pos says so and avsc reports the value as truncated.
          tap.pos = pos;
          return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
        }
        const start = tap.pos;
        tap.skipLong();
        return tap.pos > buf.length ? undefined : fromVarint(buf.subarray(start, tap.pos));
      },
    },
    _write: {
      value(this: typeof abstractLong, tap: Tap, value: unknown): void {
        if (typeof value === 'number' && Number.isSafeInteger(value) && Math.abs(value) < NUMBER_PATH_LIMIT) {
          tap.writeLong(value);
        } else {
          abstractLong._write.call(this, tap, value);
        }
      },
    },
  }),
);
