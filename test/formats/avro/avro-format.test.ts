/**
 * The Avro format against a real schema registry (the run's, test/registry-global-setup.ts):
 * what a writer encodes a reader decodes after one prepare; a value the format cannot read
 * is a bad record that says what is wrong and where; old records stay readable after the
 * subject's schema evolves.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { freePorts } from '../../../scripts/kafka/processes.js';
import { type AvroFormat, avro, type BatchValues } from '../../../src/formats/avro/index.js';
import { SchemaRegistry } from '../../../src/formats/registry/index.js';
import { schemaRegistryUrl } from '../../registry.js';

const paymentV1 = {
  type: 'record',
  name: 'Payment',
  namespace: 'dev.tributary.test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'tags', type: { type: 'array', items: 'string' } },
  ],
};
/** v1 plus a field with a default: BACKWARD compatible, so the registry takes it. */
const paymentV2 = {
  ...paymentV1,
  fields: [...paymentV1.fields, { name: 'currency', type: 'string', default: 'EUR' }],
};

const subject = () => `payments-${randomUUID()}-value`;
/** A reader that shares no cache with the writer: everything it knows it fetched. */
const reader = () => avro({ registry: { url: schemaRegistryUrl() } });

/** Values packed into one buffer, as a source's RecordBatch holds them. */
const batchOf = (values: readonly Uint8Array[]): BatchValues & { data: Buffer } => {
  const data = Buffer.concat(values);
  const valueStarts: number[] = [];
  const valueEnds: number[] = [];
  let at = 0;
  for (const value of values) {
    valueStarts.push(at);
    valueEnds.push((at += value.length));
  }
  return { count: values.length, data, valueStarts, valueEnds };
};

const decodeAll = (format: AvroFormat, batch: ReturnType<typeof batchOf>) =>
  Array.from({ length: batch.count }, (_, i) =>
    format.decode(batch.data, batch.valueStarts[i], batch.valueEnds[i]),
  );

const payment = (n: number) => ({
  id: `p-${n}`,
  amount: n * 1.5,
  at: 1_733_390_000_000 + n,
  tags: n % 2 ? ['card'] : [],
});

describe('the avro format', () => {
  it('decodes, after one prepare of the batch, what a writer encoded', async () => {
    const writer = avro({
      registry: { url: schemaRegistryUrl() },
      writer: { subject: subject(), schema: paymentV1 },
    });
    await writer.prepare();
    const values = [1, 2, 3].map(payment);
    const batch = batchOf(values.map((value) => writer.encode(value)));

    const format = reader();
    await format.prepare(batch);
    const decoded = decodeAll(format, batch);
    expect(decoded).toStrictEqual(values);
    expect(Object.getPrototypeOf(decoded[0])).toBe(Object.prototype);
  });

  it('prepares from single values too, and decodes what it wrote without fetching', async () => {
    const format = reader();
    const encoder = await format.encoderFor(subject(), JSON.stringify(paymentV1));
    const value = encoder.encode(payment(7));
    await format.prepare([value]);
    expect(format.decode(Buffer.from(value), 0, value.length)).toStrictEqual(payment(7));
    // A second encoderFor of the same schema is the same encoder: registered once.
    expect(await format.encoderFor(encoder.subject, JSON.stringify(paymentV1))).toBe(encoder);
  });

  it('reads records written before and after the subject evolved, each with its writer schema', async () => {
    const name = subject();
    const old = await reader().encoderFor(name, paymentV1);
    const current = await reader().encoderFor(name, paymentV2);
    expect(current.schemaId).not.toBe(old.schemaId);
    const batch = batchOf([old.encode(payment(1)), current.encode({ ...payment(2), currency: 'USD' })]);

    const format = reader();
    await format.prepare(batch);
    expect(decodeAll(format, batch)).toStrictEqual([payment(1), { ...payment(2), currency: 'USD' }]);
  });

  it('fails only the records whose schema id the registry does not have, naming the id', async () => {
    const writer = await reader().encoderFor(subject(), paymentV1);
    const unknown = Buffer.from(writer.encode(payment(1)));
    unknown.writeInt32BE(2_147_483_000, 1);
    const batch = batchOf([writer.encode(payment(2)), unknown]);

    const format = reader();
    await format.prepare(batch);
    expect(format.decode(batch.data, batch.valueStarts[0], batch.valueEnds[0])).toStrictEqual(payment(2));
    expect(() => format.decode(batch.data, batch.valueStarts[1], batch.valueEnds[1])).toThrow(
      `decode: schema id 2147483000 is not in the schema registry at ${schemaRegistryUrl()}: the record was written against another registry, or its schema was deleted`,
    );
  });

  it('refuses to decode a schema id no prepare has seen', async () => {
    const value = (await reader().encoderFor(subject(), paymentV1)).encode(payment(1));
    const id = Buffer.from(value).readInt32BE(1);
    expect(() => reader().decode(Buffer.from(value), 0, value.length)).toThrow(
      new RegExp(
        `^decode: schema id ${id} has not been fetched from .*: prepare\\(\\) must see a value before decode\\(\\) reads it$`,
      ),
    );
  });

  it('refuses, saying what and where, a wrong magic byte, a truncated value and bytes that do not match', async () => {
    const format = reader();
    const encoder = await format.encoderFor(subject(), paymentV1);
    const good = Buffer.from(encoder.encode(payment(1)));
    const id = encoder.schemaId;
    const refusal = (bytes: Buffer) => {
      try {
        format.decode(bytes, 0, bytes.length);
      } catch (error) {
        expect(error).toMatchObject({ code: 'TRB_BAD_RECORD' });
        return (error as Error).message;
      }
      throw new Error('decoded');
    };

    const wrongMagic = Buffer.from(good);
    wrongMagic[0] = 1;
    expect(refusal(wrongMagic)).toMatch(/^decode: byte 0 of the value is 0x01, not the magic byte 0/);
    expect(refusal(good.subarray(0, 12))).toBe(
      `decode: the value ends early: its 12 bytes are too few for a record of schema id ${id} (truncated, or written with another schema)`,
    );
    expect(refusal(Buffer.concat([good, Buffer.from([1, 2])]))).toBe(
      `decode: bytes ${good.length} to ${good.length + 1} of the value are left over after a whole record of schema id ${id}: the bytes do not match the schema`,
    );
    // id "" (1 byte: length 0), amount (8), at (1), then a block of 2^31 - 1 tags in the last byte's place.
    const hostile = Buffer.concat([
      good.subarray(0, 5),
      Buffer.from([0]),
      Buffer.alloc(8),
      Buffer.from([0, 0xfe, 0xff, 0xff, 0xff, 0x0f, 0]),
    ]);
    expect(refusal(hostile)).toBe(
      `decode: the value does not match schema id ${id}: a block of 2147483647 items at byte 20 of the value, more than the 1 that the bytes left can hold`,
    );
  });

  it('fails prepare, to be retried, when the registry cannot be reached', async () => {
    const value = (await reader().encoderFor(subject(), paymentV1)).encode(payment(1));
    const [port] = await freePorts(1);
    const format = avro({ registry: { url: `http://127.0.0.1:${port}`, timeoutMs: 2_000 } });
    await expect(format.prepare([value])).rejects.toMatchObject({
      code: 'TRB_SCHEMA_REGISTRY_UNAVAILABLE',
      domain: 'external',
    });
  });

  it('shares a registry client, and its cache, between formats', async () => {
    const registry = new SchemaRegistry({ url: schemaRegistryUrl() });
    const value = (await reader().encoderFor(subject(), paymentV1)).encode(payment(3));
    await avro({ registry }).prepare([value]);
    const id = Buffer.from(value).readInt32BE(1);
    expect(registry.knownSchema(id)).toBeDefined();
    const second = avro({ registry });
    await second.prepare([value]);
    expect(second.decode(Buffer.from(value), 0, value.length)).toStrictEqual(payment(3));
  });

  it('refuses a writer schema that is not Avro before asking the registry, and one not registered when it may not register', async () => {
    const format = reader();
    await expect(format.encoderFor(subject(), { type: 'record', name: 'NoFields' })).rejects.toMatchObject({
      code: 'TRB_FORMAT_BAD_CONFIG',
      message: expect.stringMatching(/^the writer schema of subject '.*' is not a valid Avro schema: /),
    });
    await expect(format.encoderFor(subject(), paymentV1, { autoRegister: false })).rejects.toMatchObject({
      code: 'TRB_SCHEMA_REGISTRY_REFUSED',
      message: expect.stringContaining('and autoRegister is false: register it, or set autoRegister'),
    });
  });

  it('says what is missing when encode has no writer schema, or one not prepared yet', () => {
    expect(() => reader().encode(payment(1))).toThrow(
      'encode: this avro format has no writer schema: give it writer: { subject, schema }, or encode with encoderFor(subject, schema)',
    );
    const unprepared = avro({
      registry: { url: schemaRegistryUrl() },
      writer: { subject: 'x-value', schema: paymentV1 },
    });
    expect(() => unprepared.encode(payment(1))).toThrow(
      expect.objectContaining({
        code: 'TRB_INTERNAL',
        message: expect.stringContaining('prepare() must resolve before encode()'),
      }),
    );
  });
});
