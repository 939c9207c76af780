/**
 * MurmurHash2 (32-bit) exactly as Apache Kafka's `Utils.murmur2`, the hash of its default
 * partitioner: a key hashed here lands in the partition number Kafka's producers give it,
 * and key groups follow the same hash, so a topic partitioned by key holds whole key groups.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's `Utils.murmur2(bytes)`: a signed 32-bit hash. */
export const murmur2 = (data: Uint8Array, length = data.length): number => {
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The last 1–3 bytes mix in as Kafka's fall-through switch does.
  const tail = length & 3;
  if (tail === 3) h ^= data[whole + 2] << 16;
  if (tail >= 2) h ^= data[whole + 1] << 8;
  if (tail >= 1) {
    h ^= data[whole];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
};

/** Kafka's `Utils.toPositive`: drops the sign bit (not `Math.abs`, which fails on -2^31). */
export const toPositive = (hash: number): number => hash & 0x7fffffff;

const encoder = new TextEncoder();
let scratch = new Uint8Array(256);

/** murmur2 of a string's UTF-8 bytes, without allocating for strings that fit the scratch buffer. */
export const murmur2String = (text: string): number => {
  // UTF-8 needs at most 3 bytes per UTF-16 unit.
  if (text.length * 3 > scratch.length) scratch = new Uint8Array(text.length * 3);
  const { written } = encoder.encodeInto(text, scratch);
  return murmur2(scratch, written);
};
