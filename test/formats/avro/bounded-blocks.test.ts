/**
 * An Avro array or map says how many items follow; avsc believes it. Six bytes saying
 * "2^31 nulls" abort a Node process out of memory with avsc's own array type (seen while
 * writing this). The bounded types refuse a count the remaining bytes cannot hold.
 */
import { describe, expect, it } from 'vitest';
import { avroType } from '../../../src/formats/avro/avro-types.js';
import { BlockTooLong, MAX_EMPTY_ITEMS, minEncodedBytes } from '../../../src/formats/avro/bounded-blocks.js';
import { toVarint } from '../../../src/formats/avro/long-type.js';

/** One block of `count` items, the items' bytes, and the end marker. */
const block = (count: number, items: number[] = []) => Buffer.from([...toVarint(count), ...items, 0]);

describe('arrays and maps bounded by their bytes', () => {
  it('refuses, before reading an item, a block of more ints than the bytes left', () => {
    const ints = avroType({ type: 'array', items: 'int' });
    const started = Date.now();
    expect(() => ints.decode(block(2 ** 31 - 1, [2, 4]), 0)).toThrow(BlockTooLong);
    expect(() => ints.decode(block(2 ** 31 - 1, [2, 4]), 0)).toThrow(
      'a block of 2147483647 items at byte 5 of the Avro body, more than the 3 that fit',
    );
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('refuses 2^31 nulls, which take no bytes, past the cap', () => {
    const nulls = avroType({ type: 'array', items: 'null' });
    expect(() => nulls.decode(block(2 ** 31 - 1), 0)).toThrow(BlockTooLong);
    // Blocks add up: two blocks of half the cap and one more item are refused too.
    const half = MAX_EMPTY_ITEMS / 2;
    const blocks = Buffer.from([...toVarint(half), ...toVarint(half), ...toVarint(1), 0]);
    expect(() => nulls.decode(blocks, 0)).toThrow(BlockTooLong);
    expect(nulls.decode(block(1000), 0).value).toEqual(new Array(1000).fill(null));
  });

  it('reads what avsc writes, negative block counts (with their byte size) included', () => {
    const type = avroType({ type: 'array', items: { type: 'map', values: 'long' } });
    const value = [{ a: 1, b: -2 }, {}, { c: 2 ** 40 }];
    expect(type.fromBuffer(type.toBuffer(value))).toEqual(value);
    // -2 items, then the size of the block in bytes (2), then the two ints 1 and 2.
    const ints = avroType({ type: 'array', items: 'int' });
    expect(ints.decode(Buffer.from([...toVarint(-2), ...toVarint(2), 2, 4, 0]), 0)).toEqual({
      value: [1, 2],
      offset: 5,
    });
  });

  it('refuses a map of more entries than the bytes left: each key takes one at least', () => {
    const map = avroType({ type: 'map', values: 'null' });
    expect(() => map.decode(block(1_000_000, [2, 0x61]), 0)).toThrow(BlockTooLong);
  });

  it('keeps a "__proto__" key as an entry, not as the prototype', () => {
    const map = avroType({ type: 'map', values: 'int' });
    const bytes = Buffer.from([
      ...toVarint(1),
      ...toVarint(9),
      ...Buffer.from('__proto__'),
      ...toVarint(7),
      0,
    ]);
    const decoded = map.fromBuffer(bytes) as Record<string, unknown>;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.entries(decoded)).toEqual([['__proto__', 7]]);
  });

  it('knows the fewest bytes of each kind of item', () => {
    const sizeOf = (schema: object | string) => minEncodedBytes(avroType(JSON.stringify(schema)));
    expect(sizeOf('null')).toBe(0);
    expect(sizeOf({ type: 'record', name: 'Empty', fields: [] })).toBe(0);
    expect(sizeOf({ type: 'fixed', name: 'Hash', size: 16 })).toBe(16);
    expect(
      sizeOf({
        type: 'record',
        name: 'Point',
        fields: [
          { name: 'x', type: 'double' },
          { name: 'y', type: 'float' },
        ],
      }),
    ).toBe(12);
    expect(sizeOf(['null', 'string'])).toBe(1);
    expect(sizeOf({ type: 'long', logicalType: 'timestamp-millis' })).toBe(1);
    // A record inside itself (through a union) counts once.
    expect(sizeOf({ type: 'record', name: 'Node', fields: [{ name: 'next', type: ['null', 'Node'] }] })).toBe(
      1,
    );
  });
});
