import { describe, expect, it } from 'vitest';
import { avroType } from '../../../src/formats/avro/avro-types.js';

const reading = {
  type: 'record',
  name: 'Reading',
  namespace: 'dev.tributary.test',
  fields: [
    { name: 'sensor', type: 'string' },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'nanos', type: 'long' },
    { name: 'raw', type: 'bytes' },
    {
      name: 'place',
      type: ['null', { type: 'record', name: 'Place', fields: [{ name: 'room', type: 'string' }] }],
    },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['OK', 'FAILED'] } },
  ],
};

describe('Avro schemas as the engine reads them', () => {
  const type = avroType(reading);
  const value = {
    sensor: 's-1',
    at: 1_733_390_000_123,
    nanos: 1_733_390_000_123_456_789n,
    raw: Buffer.from([1, 2, 3]),
    place: { room: 'lab' },
    status: 'FAILED',
  };

  it('reads records as plain objects, nested ones too', () => {
    const decoded = type.fromBuffer(type.toBuffer(value)) as typeof value;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(decoded.place)).toBe(Object.prototype);
    expect(decoded).toStrictEqual(value);
    expect(JSON.parse(JSON.stringify({ ...decoded, nanos: String(decoded.nanos) }))).toMatchObject({
      sensor: 's-1',
    });
  });

  it('leaves timestamp-millis a number of milliseconds, bytes a Buffer, a nullable union unwrapped', () => {
    const decoded = type.fromBuffer(type.toBuffer({ ...value, place: null })) as Record<string, unknown>;
    expect(decoded.at).toBe(1_733_390_000_123);
    expect(Buffer.isBuffer(decoded.raw)).toBe(true);
    expect(decoded.place).toBeNull();
  });

  it('leaves a union unwrapped unless two branches take numbers, as avsc does', () => {
    const unions = avroType({
      type: 'record',
      name: 'Unions',
      fields: [
        { name: 'maybeLong', type: ['null', 'long'] },
        { name: 'intOrLong', type: ['int', 'long'] },
      ],
    });
    for (const value of [
      { maybeLong: 2n ** 60n, intOrLong: { int: 3 } },
      { maybeLong: null, intOrLong: { long: 2n ** 60n } },
      { maybeLong: 5, intOrLong: { long: 5 } },
    ]) {
      expect(unions.fromBuffer(unions.toBuffer(value))).toEqual(value);
    }
  });

  it('reads a schema from its JSON text as well as parsed', () => {
    expect(avroType(JSON.stringify(reading)).equals(type)).toBe(true);
    expect(avroType('"string"').fromBuffer(avroType('"string"').toBuffer('x'))).toBe('x');
  });

  it("throws avsc's error for a schema that is not Avro", () => {
    expect(() => avroType({ type: 'record', name: 'R' })).toThrow();
    expect(() => avroType('{"type": ')).toThrow();
  });
});
