import { describe, expect, it } from 'vitest';
import { peekSchemaId, schemaIdOf, writeHeader } from '../../../src/formats/avro/wire-format.js';

describe('the Confluent wire format', () => {
  it('writes the magic byte 0 and the schema id as a big-endian int32, and reads them back', () => {
    const value = Buffer.alloc(7);
    writeHeader(value, 0x01020304);
    expect([...value.subarray(0, 5)]).toEqual([0, 1, 2, 3, 4]);
    expect(schemaIdOf(value, 0, value.length)).toBe(0x01020304);
  });

  it('reads the header of a value in the middle of a shared buffer', () => {
    const batch = Buffer.from([9, 9, 0, 0, 0, 1, 42, 7, 9]);
    expect(schemaIdOf(batch, 2, 8)).toBe(298);
    expect(peekSchemaId(batch, 2, 8)).toBe(298);
  });

  it('refuses a value shorter than the header, saying so', () => {
    expect(() => schemaIdOf(Buffer.from([0, 0, 1]), 0, 3)).toThrow(
      'decode: a value of 3 bytes is shorter than the 5-byte header of the Confluent wire format (magic byte 0, schema id): the value is not Avro from a schema registry',
    );
    expect(peekSchemaId(Buffer.from([0, 0, 1]), 0, 3)).toBeUndefined();
  });

  it('refuses a value whose first byte is not the magic byte, and recognises JSON', () => {
    expect(() => schemaIdOf(Buffer.from([1, 0, 0, 0, 1, 2]), 0, 6)).toThrow(
      /^decode: byte 0 of the value is 0x01, not the magic byte 0 of the Confluent wire format: the value is not Avro from a schema registry$/,
    );
    const json = Buffer.from('{"user":"a"}');
    expect(() => schemaIdOf(json, 0, json.length)).toThrow(
      /is 0x7b, .* \(it looks like JSON: use format json\)$/,
    );
    expect(peekSchemaId(json, 0, json.length)).toBeUndefined();
  });
});
