/**
 * Exactly-once on Kafka, proven the hard way: two `tributary start` processes share a
 * pipeline's consumer group over a 6-partition topic and one PostgreSQL store, while
 * clicks keep arriving; one of them, chosen at random, is SIGKILLed at random moments and
 * started again. The results in the output topic (read_committed, by a third-party client)
 * and in PostgreSQL must equal a reference computed from the input: every window once, with
 * its exact count — nothing lost, nothing counted twice.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compatibilityPartitioner, type MessageToProduce, ProduceAcks, Producer } from '@platformatic/kafka';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { clientOptions } from '../../../src/connectors/kafka/cluster.js';
import { CLI, freePort } from '../../cli/helpers.js';
import { newTopic, testCluster } from '../../connectors/kafka/cluster.js';
import { kafkaBrokers } from '../../kafka.js';
import { DATABASE_URL } from '../../store/backends.js';
import { consumeConfluent } from './clients.js';
import { countPerWindow } from './reference.js';

const EVENTS = 500_000;
const USERS = 200;
const WINDOW_MS = 10_000;
const T0 = 1_700_000_000_000;
const KILLS = 5;
/** The clicks arrive in this many chunks, spread over the kills. */
const CHUNKS = 50;

/** Click i, one ms after the one before: in event-time order on every partition, so none is late. */
const click = (i: number) => ({ user_id: `u${(i * 7) % USERS}`, page: `/p/${i % 13}`, timestamp: T0 + i });
/** Past every window of the clicks, one per user, so that every partition's watermark passes them. */
const CLOSE_AT = T0 + EVENTS + 2 * WINDOW_MS;

const reference = () => countPerWindow(EVENTS, click, WINDOW_MS);

const random = (min: number, max: number) => min + Math.random() * (max - min);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Node {
  readonly name: string;
  readonly config: string;
  readonly port: number;
  child?: ChildProcess;
  output: string;
  /** Its warnings and errors, whole: what a failure is explained by. */
  warnings: string[];
  /** Set when the process ended without being told to: the test stops there. */
  failed?: string;
}

const startNode = (node: Node) => {
  const child = spawn(process.execPath, [CLI, 'start', '--config', node.config], {
    env: { ...process.env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => {
    node.output = (node.output + chunk).slice(-200_000);
    for (const line of String(chunk).split('\n'))
      if (/"level":"(warn|error)"/.test(line)) node.warnings.push(line.slice(0, 600));
  });
  child.stderr!.on('data', (chunk) => {
    node.output = (node.output + chunk).slice(-200_000);
  });
  child.on('exit', (code, signal) => {
    if (node.child === child && !stopping.has(child))
      node.failed = `process ${node.name} exited by itself (${code ?? signal}):\n${node.output.slice(-3_000)}`;
  });
  node.child = child;
};

const stopping = new WeakSet<ChildProcess>();

const checkAlive = (nodes: readonly Node[]) => {
  for (const node of nodes) if (node.failed) throw new Error(node.failed);
};

const stopNode = async (node: Node, signal: NodeJS.Signals) => {
  const child = node.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  stopping.add(child);
  child.kill(signal);
  await exited;
};

describe('two processes on Kafka, SIGKILLed at random moments', () => {
  const dirs: string[] = [];
  const nodes: Node[] = [];
  const schema = `eos_${randomBytes(4).toString('hex')}`;
  afterAll(async () => {
    for (const node of nodes) await stopNode(node, 'SIGKILL');
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    const db = new pg.Client({ connectionString: DATABASE_URL });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => db.end());
  });

  it('write the results of an uninterrupted run to a topic and to PostgreSQL, exactly once', {
    timeout: 600_000,
  }, async () => {
    expect(existsSync(CLI), 'the test runs the built CLI: run `npm run build` (npm test does)').toBe(true);
    const brokers = kafkaBrokers();
    const input = await newTopic('click_events', 6);
    const output = await newTopic('clicks_per_user', 6);
    const pipeline = `eos-${randomBytes(3).toString('hex')}`;
    for (const name of ['a', 'b']) {
      const dir = await mkdtemp(join(tmpdir(), `tributary-eos-${name}-`));
      dirs.push(dir);
      const node: Node = {
        name,
        config: join(dir, 'tributary.yaml'),
        port: await freePort(),
        output: '',
        warnings: [],
      };
      await writeFile(
        node.config,
        `
data_dir: ${join(dir, 'data')}
workers: 1
server: { port: ${node.port} }
store: { type: postgres, url: "${DATABASE_URL}", schema: ${schema} }
checkpoint: { interval: 1s }
kafka: { brokers: "${brokers}" }
sources:
  clicks: { type: kafka, topic: ${input}, format: json, start: earliest }
sinks:
  per-user-topic: { type: kafka, topic: ${output}, format: json }
pipelines:
  - name: ${pipeline}
    source: clicks
    time: timestamp
    steps:
      - key_by: user_id
        partitioned: true
      - window: { tumbling: 10s }
        aggregate: { clicks: count }
    sinks: [per-user-topic, per-user]
`,
      );
      nodes.push(node);
    }
    for (const node of nodes) startNode(node);

    // The clicks, keyed by user and placed as Kafka's Java clients place them, in chunks
    // spread over the run; a process dies and comes back at random moments meanwhile.
    const producer = new Producer({
      ...clientOptions(testCluster(), 'eos-test'),
      idempotent: true,
      acks: ProduceAcks.ALL,
      partitioner: compatibilityPartitioner,
    });
    const produce = async (from: number, to: number) => {
      for (let i = from; i < to; i += 5_000) {
        const messages: MessageToProduce[] = [];
        for (let j = i; j < Math.min(to, i + 5_000); j++) {
          const c = click(j);
          messages.push({ topic: input, key: Buffer.from(c.user_id), value: Buffer.from(JSON.stringify(c)) });
        }
        await producer.send({ messages });
      }
    };
    const kills: string[] = [];
    const killing = (async () => {
      for (let k = 0; k < KILLS; k++) {
        await sleep(random(3_000, 9_000));
        const node = nodes[Math.floor(Math.random() * nodes.length)];
        await stopNode(node, 'SIGKILL');
        kills.push(node.name);
        await sleep(random(100, 1_500));
        startNode(node);
      }
    })();
    try {
      const chunk = EVENTS / CHUNKS;
      for (let c = 0; c < CHUNKS; c++) {
        await produce(c * chunk, (c + 1) * chunk);
        await sleep(800);
        checkAlive(nodes);
      }
      await killing;
      await producer.send({
        messages: Array.from({ length: USERS }, (_, u) => ({
          topic: input,
          key: Buffer.from(`u${u}`),
          value: Buffer.from(JSON.stringify({ user_id: `u${u}`, page: '/', timestamp: CLOSE_AT })),
        })),
      });
    } finally {
      await producer.close();
    }
    expect(kills.length).toBe(KILLS);

    const expected = reference();
    const db = new pg.Client({ connectionString: DATABASE_URL });
    await db.connect();
    try {
      // Done when every window is in the store (the session of a killed member lapses first).
      const deadline = Date.now() + 240_000;
      let stored = 0;
      while (stored < expected.size && Date.now() < deadline) {
        await sleep(1_000);
        checkAlive(nodes);
        const { rows } = await db
          .query<{ n: string }>(
            `SELECT count(*) AS n FROM "${schema}".series_results WHERE series = 'per-user'`,
          )
          .catch(() => ({ rows: [{ n: '0' }] }));
        stored = Number(rows[0].n);
      }
      const tails = nodes.map((n) => `--- ${n.name}\n${n.output.slice(-3_000)}`).join('\n');
      expect(stored, `every window stored; the processes said:\n${tails}`).toBe(expected.size);
      // Both processes ran tasks of the pipeline at some point.
      for (const node of nodes) expect(node.output).toMatch(/assigned partitions here/);
      for (const node of nodes) await stopNode(node, 'SIGTERM');

      const { rows } = await db.query<{ key: string; window_start: string; fields: { clicks: number } }>(
        `SELECT key, window_start, fields FROM "${schema}".series_results WHERE series = 'per-user'`,
      );
      const inStore = new Map(rows.map((r) => [`${r.key}@${r.window_start}`, r.fields.clicks]));
      expect(inStore).toEqual(expected);
    } finally {
      await db.end();
    }

    const read = await consumeConfluent(brokers, output, expected.size + 1, 10);
    const inTopic = new Map<string, number>();
    const repeated: string[] = [];
    for (const { key, value } of read) {
      const row = value as { key: string; start: number; clicks: number };
      const id = `${key}@${row.start}`;
      if (inTopic.has(id)) repeated.push(id);
      inTopic.set(id, row.clicks);
    }
    const warnings = nodes.map((n) => `--- ${n.name}\n${n.warnings.join('\n')}`).join('\n');
    expect(repeated, warnings).toEqual([]);
    expect(inTopic, `the processes warned:\n${warnings}`).toEqual(expected);
  });
});
