/**
 * The local broker of scripts/kafka/ is a real Kafka: records produced through each
 * listener come back out whole, SCRAM refuses a wrong password, and a 3-node cluster
 * keeps taking acks=all writes with one node killed.
 *
 * kcat (librdkafka) talks PLAINTEXT here. The SCRAM listener is checked with Kafka's
 * own Java tools: Debian 12's kcat links librdkafka 2.0.2, whose SCRAM sends a nonce
 * that Kafka 4 rejects as invalid credentials (fixed in librdkafka 2.6.1).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  installKafka,
  type RunningKafka,
  SCRAM_MECHANISM,
  SCRAM_PASSWORD,
  SCRAM_USER,
  startKafka,
} from '../../../scripts/kafka/broker.js';
import { kafkaClasspath } from '../../../scripts/kafka/install.js';
import { isAlive } from '../../../scripts/kafka/processes.js';
import { kafkaBrokers, kafkaScramBrokers } from '../../kafka.js';

interface Output {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const exec = (command: string, args: readonly string[], input = '', timeoutMs = 120_000): Promise<Output> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });

const requireKcat = (): void => {
  const found = spawnSync('kcat', ['-V']).error === undefined;
  expect(
    found,
    'kcat is missing: run scripts/prepare-tests.sh as root (npm test does), or apt-get install -y kcat',
  ).toBe(true);
};

const kcat = (args: readonly string[], input = '') => exec('kcat', args, input);

/** One of Kafka's Java tools (TopicCommand, ConsoleProducer, …). */
const kafkaTool = (mainClass: string, args: readonly string[], input = '') =>
  exec('java', ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-cp', kafkaClasspath(), mainClass, ...args], input);

const TOPIC_COMMAND = 'org.apache.kafka.tools.TopicCommand';

const createTopic = async (bootstrap: string, topic: string, extra: readonly string[] = []) => {
  const created = await kafkaTool(TOPIC_COMMAND, [
    '--bootstrap-server',
    bootstrap,
    '--create',
    '--topic',
    topic,
    '--partitions',
    '3',
    ...extra,
  ]);
  expect(created.code, created.stdout + created.stderr).toBe(0);
};

const records = Array.from({ length: 100 }, (_, i) => `key-${i}:value-${i}`);

/** kcat's consumer prints `partition key:value`; back to `key:value` in the order sent. */
const byRecordNumber = (lines: readonly string[]) =>
  lines.map((line) => line.slice(line.indexOf(' ') + 1)).sort((a, b) => number(a) - number(b));
const number = (record: string) => Number(/^key-(\d+):/.exec(record)?.[1]);

const consumeAll = async (brokers: string, topic: string): Promise<string[]> => {
  const read = await kcat([
    '-C',
    '-b',
    brokers,
    '-t',
    topic,
    '-o',
    'beginning',
    '-e',
    '-q',
    '-f',
    '%p %k:%s\\n',
  ]);
  expect(read.code, read.stderr).toBe(0);
  return read.stdout.split('\n').filter(Boolean);
};

interface Metadata {
  readonly topics: { readonly partitions: { partition: number; leader: number; isrs: { id: number }[] }[] }[];
}

const metadata = async (brokers: string, topic: string): Promise<Metadata> => {
  const listed = await kcat(['-L', '-J', '-b', brokers, '-t', topic]);
  expect(listed.code, listed.stderr).toBe(0);
  return JSON.parse(listed.stdout) as Metadata;
};

describe('the local Kafka broker', () => {
  let dir: string;
  let scramConfig: (password: string) => Promise<string>;

  beforeAll(async () => {
    requireKcat();
    // A run against KAFKA_BROKERS has not installed the jars that the Java tools need.
    await installKafka();
    dir = await mkdtemp(join(tmpdir(), 'tributary-kafka-test-'));
    scramConfig = async (password) => {
      const file = join(dir, `${password}.properties`);
      const jaas = `org.apache.kafka.common.security.scram.ScramLoginModule required username="${SCRAM_USER}" password="${password}";`;
      await writeFile(
        file,
        `security.protocol=SASL_PLAINTEXT\nsasl.mechanism=${SCRAM_MECHANISM}\nsasl.jaas.config=${jaas}\n`,
      );
      return file;
    };
  }, 180_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('gives back over PLAINTEXT the 100 records kcat produced into 3 partitions', {
    timeout: 120_000,
  }, async () => {
    const topic = `plain-${randomUUID()}`;
    await createTopic(kafkaBrokers(), topic);
    expect((await metadata(kafkaBrokers(), topic)).topics[0].partitions).toHaveLength(3);

    const sent = await kcat(['-P', '-b', kafkaBrokers(), '-t', topic, '-K', ':'], `${records.join('\n')}\n`);
    expect(sent.code, sent.stderr).toBe(0);

    const lines = await consumeAll(kafkaBrokers(), topic);
    expect(byRecordNumber(lines)).toEqual(records);
    // The keys spread the records over every partition, so all three were written and read.
    expect(new Set(lines.map((line) => line.split(' ')[0]))).toEqual(new Set(['0', '1', '2']));
  });

  it('gives back over SCRAM-SHA-512 the 100 records produced through it', { timeout: 120_000 }, async () => {
    const topic = `scram-${randomUUID()}`;
    const config = await scramConfig(SCRAM_PASSWORD);
    const scram = ['--bootstrap-server', kafkaScramBrokers(), '--command-config', config];
    await createTopic(kafkaScramBrokers(), topic, ['--command-config', config]);

    const sent = await kafkaTool(
      'org.apache.kafka.tools.ConsoleProducer',
      [
        ...scram,
        '--topic',
        topic,
        '--reader-property',
        'parse.key=true',
        '--reader-property',
        'key.separator=:',
      ],
      `${records.join('\n')}\n`,
    );
    expect(sent.code, sent.stderr).toBe(0);

    const read = await kafkaTool('org.apache.kafka.tools.consumer.ConsoleConsumer', [
      ...scram,
      '--topic',
      topic,
      '--from-beginning',
      '--max-messages',
      '100',
      '--timeout-ms',
      '60000',
      '--formatter-property',
      'print.key=true',
      '--formatter-property',
      'key.separator=:',
    ]);
    expect(read.code, read.stderr).toBe(0);
    const lines = read.stdout.split('\n').filter(Boolean);
    expect([...lines].sort((a, b) => number(a) - number(b))).toEqual(records);
  });

  it('refuses a wrong SCRAM password', { timeout: 120_000 }, async () => {
    const listed = await kafkaTool(TOPIC_COMMAND, [
      '--bootstrap-server',
      kafkaScramBrokers(),
      '--command-config',
      await scramConfig('not-the-password'),
      '--list',
    ]);
    expect(listed.code).not.toBe(0);
    expect(listed.stdout + listed.stderr).toMatch(/invalid credentials with SASL mechanism SCRAM-SHA-512/);
  });
});

describe('a local 3-node Kafka cluster', () => {
  let dir: string;
  let cluster: RunningKafka | undefined;

  afterAll(async () => {
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('takes acks=all writes and serves them back with the leader of a partition killed', {
    timeout: 420_000,
  }, async () => {
    requireKcat();
    dir = await mkdtemp(join(tmpdir(), 'tributary-kafka-cluster-'));
    cluster = await startKafka({ dir, nodes: 3, log: () => {} });
    expect(cluster.pids).toHaveLength(3);
    const topic = `replicated-${randomUUID()}`;
    await createTopic(cluster.brokers, topic, ['--replication-factor', '3']);
    const before = (await metadata(cluster.brokers, topic)).topics[0].partitions;
    expect(before.map((p) => p.isrs.length)).toEqual([3, 3, 3]);

    // kill -9: no controlled shutdown, the cluster learns of it only by missed heartbeats.
    const victim = before.find((p) => p.partition === 0)!.leader;
    const pid = cluster.pids[victim - 1];
    process.kill(pid, 'SIGKILL');
    await expect.poll(() => isAlive(pid), { timeout: 10_000 }).toBe(false);

    // min.insync.replicas=2: acks=all succeeds only once the two living nodes hold every record.
    const sent = await kcat(
      [
        '-P',
        '-b',
        cluster.brokers,
        '-t',
        topic,
        '-K',
        ':',
        '-X',
        'acks=all',
        '-X',
        'message.timeout.ms=180000',
      ],
      `${records.join('\n')}\n`,
    );
    expect(sent.code, sent.stderr).toBe(0);
    expect(byRecordNumber(await consumeAll(cluster.brokers, topic))).toEqual(records);

    const after = (await metadata(cluster.brokers, topic)).topics[0].partitions;
    expect(after.find((p) => p.partition === 0)!.leader).not.toBe(victim);
    expect(after.every((p) => p.isrs.every((isr) => isr.id !== victim))).toBe(true);
  });

  it('stops every node', { timeout: 60_000 }, async () => {
    expect(cluster).toBeDefined();
    await cluster!.stop();
    expect(cluster!.pids.filter(isAlive)).toEqual([]);
  });
});
