/**
 * A writer of Avro that is not Tributary: Apache Avro's Java library (the reference
 * implementation, shipped inside the local registry's distribution) registers a schema and
 * writes the Confluent wire format the way KafkaAvroSerializer does (ApacheAvroProducer.java).
 *
 * Python's confluent_kafka was the first choice of writer: its AvroSerializer needs
 * fastavro, which Debian does not package, and PyPI is not reachable here.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installRegistry, registryJava } from '../../../scripts/registry/install.js';
import { schemaRegistryUrl } from '../../registry.js';

const PRODUCER = fileURLToPath(new URL('ApacheAvroProducer.java', import.meta.url));
/** Apache Avro and what it needs to read JSON and write binary: no logging backend, so no Quarkus. */
const JARS =
  /^(org\.apache\.avro\.avro-|com\.fasterxml\.jackson\.core\.jackson-(core|databind|annotations)-|org\.slf4j\.slf4j-api-|org\.apache\.commons\.commons-compress-)/;

/** The classpath of Apache Avro, from the local registry's distribution (installed when missing). */
export const apacheAvroClasspath = async (): Promise<string> => {
  const lib = join(dirname(await installRegistry()), 'lib', 'main');
  return readdirSync(lib)
    .filter((name) => JARS.test(name))
    .map((name) => join(lib, name))
    .join(':');
};

/**
 * Registers `schema` under `subject` and writes `records` (each a line of Avro's JSON
 * encoding: a union branch is named, bytes are \u00XX): the schema id and each value.
 */
export const apacheAvroWrite = (
  classpath: string,
  subject: string,
  schema: object,
  records: readonly string[],
): Promise<{ id: number; values: Buffer[] }> =>
  new Promise((resolve, reject) => {
    const args = ['-cp', classpath, PRODUCER, schemaRegistryUrl(), subject, JSON.stringify(schema)];
    const java = spawn(registryJava(), args, { timeout: 120_000, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    java.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    java.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    java.on('error', reject);
    java.on('close', (code) => {
      if (code !== 0) return reject(new Error(`ApacheAvroProducer exited ${code}:\n${stderr}`));
      const [id, ...hex] = stdout.trim().split('\n');
      resolve({ id: Number(id), values: hex.map((line) => Buffer.from(line, 'hex')) });
    });
    java.stdin.end(`${records.join('\n')}\n`);
  });
