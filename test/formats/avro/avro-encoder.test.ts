import { describe, expect, it } from 'vitest';
import { AvroEncoder } from '../../../src/formats/avro/avro-encoder.js';
import { avroType } from '../../../src/formats/avro/avro-types.js';

const order = avroType({
  type: 'record',
  name: 'Order',
  fields: [
    { name: 'id', type: 'string' },
    {
      name: 'items',
      type: {
        type: 'array',
        items: { type: 'record', name: 'Item', fields: [{ name: 'price', type: 'double' }] },
      },
    },
    { name: 'note', type: 'string' },
  ],
});

describe('an Avro encoder', () => {
  const encoder = new AvroEncoder('orders-value', 42, order);

  it('writes the wire header, then the Avro body', () => {
    const value = { id: 'o-1', items: [{ price: 2.5 }], note: '' };
    const bytes = encoder.encode(value);
    expect([...bytes.subarray(0, 5)]).toEqual([0, 0, 0, 0, 42]);
    expect(order.fromBuffer(Buffer.from(bytes.subarray(5)))).toEqual(value);
  });

  it('gives each value its own bytes', () => {
    const first = encoder.encode({ id: 'a', items: [], note: '' });
    encoder.encode({ id: 'b', items: [], note: '' });
    expect(order.fromBuffer(Buffer.from(first.subarray(5)))).toMatchObject({ id: 'a' });
  });

  it('writes a value larger than its scratch buffer', () => {
    const note = 'x'.repeat(100_000);
    const bytes = encoder.encode({ id: 'big', items: [], note });
    expect((order.fromBuffer(Buffer.from(bytes.subarray(5))) as { note: string }).note).toBe(note);
  });

  it('refuses a value that does not fit, naming the field', () => {
    expect(() => encoder.encode({ id: 'o-1', items: [{ price: 'cheap' }], note: '' })).toThrow(
      'encode: the value does not fit the schema of subject \'orders-value\' (id 42): items.0.price: "cheap" is not a double',
    );
    expect(() => encoder.encode({ id: 'o-1', items: [] })).toThrow(
      /: note: undefined \(missing\) is not a string$/,
    );
    expect(() => encoder.encode('o-1')).toThrow(/: the value: "o-1" is not an Order$/);
  });
});
