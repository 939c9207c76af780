import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { murmur2, murmur2String, toPositive } from '../../../src/engine/state/murmur2.js';
import { KAFKA_VECTORS } from './kafka-vectors.js';

describe("Kafka's murmur2", () => {
  it.each(KAFKA_VECTORS)('hashes %j as Kafka does', (key, hash) => {
    expect(murmur2(Buffer.from(key, 'utf8'))).toBe(hash);
    expect(murmur2String(key)).toBe(hash);
  });

  it('drops the sign bit rather than negating, so the most negative hash stays in range', () => {
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(5)).toBe(5);
  });

  it('hashes long strings (past the reused buffer) as their UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (key) => {
        expect(murmur2String(key)).toBe(murmur2(Buffer.from(key, 'utf8')));
      }),
    );
  });
});
