/**
 * The Confluent wire format of a Kafka value: byte 0 is the magic byte 0, bytes 1–4 the
 * schema id (a big-endian int32) under which the writer registered its schema, then the
 * value in Avro's binary encoding. Every Confluent serializer writes it, in any language.
 */
import { TributaryError } from '../../errors.js';

export const MAGIC_BYTE = 0;
export const HEADER_BYTES = 5;

/** The schema id of a value, or undefined when the value is not in the wire format. */
export const peekSchemaId = (data: Uint8Array, start: number, end: number): number | undefined =>
  end - start >= HEADER_BYTES && data[start] === MAGIC_BYTE
    ? (data[start + 1] << 24) | (data[start + 2] << 16) | (data[start + 3] << 8) | data[start + 4]
    : undefined;

/** The schema id of a value; a value not in the wire format is a TRB_BAD_RECORD that says why. */
export const schemaIdOf = (data: Uint8Array, start: number, end: number): number => {
  const id = peekSchemaId(data, start, end);
  if (id !== undefined) return id;
  if (end - start < HEADER_BYTES) {
    throw new TributaryError(
      'TRB_BAD_RECORD',
      `decode: a value of ${end - start} bytes is shorter than the ${HEADER_BYTES}-byte header of the ` +
        'Confluent wire format (magic byte 0, schema id): the value is not Avro from a schema registry',
    );
  }
  const first = data[start];
  throw new TributaryError(
    'TRB_BAD_RECORD',
    `decode: byte 0 of the value is 0x${first.toString(16).padStart(2, '0')}, not the magic byte 0 of the ` +
      `Confluent wire format: the value is not Avro from a schema registry${first === 0x7b ? ' (it looks like JSON: use format json)' : ''}`,
  );
};

/** Writes the header into the first bytes of a buffer that has room for it. */
export const writeHeader = (into: Buffer, schemaId: number): void => {
  into[0] = MAGIC_BYTE;
  into.writeInt32BE(schemaId, 1);
};
