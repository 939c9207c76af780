/**
 * Records that Tributary did not write: Apache Avro's Java library registers its schema
 * and writes the Confluent wire format the way KafkaAvroSerializer does; the avro format
 * decodes them, and writes the same bytes for the same record.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { avro } from '../../../src/formats/avro/index.js';
import { schemaRegistryUrl } from '../../registry.js';
import { apacheAvroClasspath, apacheAvroWrite } from './apache-avro.js';

const reading = {
  type: 'record',
  name: 'Reading',
  namespace: 'com.example.sensors',
  fields: [
    { name: 'sensor', type: 'string' },
    { name: 'value', type: 'double' },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'nanos', type: 'long' },
    { name: 'tags', type: { type: 'map', values: 'string' } },
    { name: 'samples', type: { type: 'array', items: 'int' } },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['OK', 'FAILED'] } },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'raw', type: 'bytes' },
  ],
};

/** In Avro's JSON encoding, as the Java library reads it: a union branch is named, bytes are \u00XX. */
const records = [
  '{"sensor":"s-1","value":21.5,"at":1733390000123,"nanos":1733390000123456789,"tags":{"site":"lab"},"samples":[1,-2,300000],"status":"OK","note":null,"raw":"\\u0001\\u00ff"}',
  '{"sensor":"s-2","value":-0.25,"at":0,"nanos":-5,"tags":{},"samples":[],"status":"FAILED","note":{"string":"recalibrated"},"raw":""}',
];

const expected = [
  {
    sensor: 's-1',
    value: 21.5,
    at: 1_733_390_000_123,
    nanos: 1_733_390_000_123_456_789n,
    tags: { site: 'lab' },
    samples: [1, -2, 300_000],
    status: 'OK',
    note: null,
    raw: Buffer.from([1, 0xff]),
  },
  {
    sensor: 's-2',
    value: -0.25,
    at: 0,
    nanos: -5,
    tags: {},
    samples: [],
    status: 'FAILED',
    note: 'recalibrated',
    raw: Buffer.alloc(0),
  },
];

describe('records from a producer that is not Tributary', () => {
  let classpath: string;

  beforeAll(async () => {
    // A run against SCHEMA_REGISTRY_URL has not installed the local registry, whose jars this needs.
    classpath = await apacheAvroClasspath();
  }, 180_000);

  it('decodes the Confluent wire format Apache Avro (Java) wrote, every kind of field', {
    timeout: 120_000,
  }, async () => {
    const { id, values } = await apacheAvroWrite(
      classpath,
      `readings-${randomUUID()}-value`,
      reading,
      records,
    );
    expect(values).toHaveLength(2);
    expect(values.every((value) => value[0] === 0 && value.readInt32BE(1) === id)).toBe(true);

    const format = avro({ registry: { url: schemaRegistryUrl() } });
    await format.prepare(values);
    expect(values.map((value) => format.decode(value, 0, value.length))).toStrictEqual(expected);
  });

  it('writes the same bytes as Apache Avro for the same record and schema id', {
    timeout: 120_000,
  }, async () => {
    const subject = `readings-${randomUUID()}-value`;
    const { values } = await apacheAvroWrite(classpath, subject, reading, records);
    const hex = values.map((value) => value.toString('hex'));
    // Registered by the Java producer already: the same schema gets its id back.
    const encoder = await avro({ registry: { url: schemaRegistryUrl() } }).encoderFor(subject, reading);
    expect(expected.map((record) => Buffer.from(encoder.encode(record)).toString('hex'))).toEqual(hex);
  });
});
