/**
 * Records that Tributary did not write: Apache Avro's Java library (the reference
 * implementation, shipped inside the local registry's distribution) registers its schema
 * and writes the Confluent wire format the way KafkaAvroSerializer does
 * (ApacheAvroProducer.java beside this file); the avro format decodes them.
 *
 * Python's confluent_kafka was the first choice of writer: this machine's python3 has
 * neither it nor fastavro, which its AvroSerializer needs, and PyPI is not reachable here.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { installRegistry, registryJava } from '../../../scripts/registry/install.js';
import { avro } from '../../../src/formats/avro/index.js';
import { schemaRegistryUrl } from '../../registry.js';

const PRODUCER = fileURLToPath(new URL('ApacheAvroProducer.java', import.meta.url));
/** Apache Avro and what it needs to read JSON and write binary: no logging backend, so no Quarkus. */
const JARS =
  /^(org\.apache\.avro\.avro-|com\.fasterxml\.jackson\.core\.jackson-(core|databind|annotations)-|org\.slf4j\.slf4j-api-|org\.apache\.commons\.commons-compress-)/;

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

const produce = (classpath: string, subject: string): Promise<string[]> =>
  new Promise((resolve, reject) => {
    const args = ['-cp', classpath, PRODUCER, schemaRegistryUrl(), subject, JSON.stringify(reading)];
    const java = spawn(registryJava(), args, { timeout: 120_000, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    java.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    java.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    java.on('error', reject);
    java.on('close', (code) =>
      code === 0
        ? resolve(stdout.trim().split('\n'))
        : reject(new Error(`ApacheAvroProducer exited ${code}:\n${stderr}`)),
    );
    java.stdin.end(`${records.join('\n')}\n`);
  });

describe('records from a producer that is not Tributary', () => {
  let classpath: string;

  beforeAll(async () => {
    // A run against SCHEMA_REGISTRY_URL has not installed the local registry, whose jars this needs.
    const lib = join(dirname(await installRegistry()), 'lib', 'main');
    classpath = readdirSync(lib)
      .filter((name) => JARS.test(name))
      .map((name) => join(lib, name))
      .join(':');
  }, 180_000);

  it('decodes the Confluent wire format Apache Avro (Java) wrote, every kind of field', {
    timeout: 120_000,
  }, async () => {
    const [id, ...hex] = await produce(classpath, `readings-${randomUUID()}-value`);
    const values = hex.map((line) => Buffer.from(line, 'hex'));
    expect(values).toHaveLength(2);
    expect(values.every((value) => value[0] === 0 && value.readInt32BE(1) === Number(id))).toBe(true);

    const format = avro({ registry: { url: schemaRegistryUrl() } });
    await format.prepare(values);
    expect(values.map((value) => format.decode(value, 0, value.length))).toStrictEqual(expected);
  });

  it('writes the same bytes as Apache Avro for the same record and schema id', {
    timeout: 120_000,
  }, async () => {
    const subject = `readings-${randomUUID()}-value`;
    const [, ...hex] = await produce(classpath, subject);
    // Registered by the Java producer already: the same schema gets its id back.
    const encoder = await avro({ registry: { url: schemaRegistryUrl() } }).encoderFor(subject, reading);
    expect(expected.map((record) => Buffer.from(encoder.encode(record)).toString('hex'))).toEqual(hex);
  });
});
