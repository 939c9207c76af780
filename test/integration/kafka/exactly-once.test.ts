/**
 * Exactly-once on Kafka, proven the hard way: two `tributary start` processes share a
 * pipeline's consumer group over a 6-partition topic and one PostgreSQL store, while
 * clicks keep arriving; one of them, chosen at random, is SIGKILLed at random moments and
 * started again. The results in the output topic (read_committed, by a third-party client)
 * and in PostgreSQL must equal a reference computed from the input: every window once, with
 * its exact count — nothing lost, nothing counted twice.
 */
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
import { checkAlive, newProc, type Proc, startProc, stopProc, tails } from './processes.js';
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

describe('two processes on Kafka, SIGKILLed at random moments', () => {
  const dirs: string[] = [];
  const nodes: Proc[] = [];
  const schema = `eos_${randomBytes(4).toString('hex')}`;
  afterAll(async () => {
    for (const node of nodes) await stopProc(node, 'SIGKILL');
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
      const config = join(dir, 'tributary.yaml');
      const port = await freePort();
      await writeFile(
        config,
        `
data_dir: ${join(dir, 'data')}
workers: 1
server: { port: ${port} }
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
      nodes.push(newProc(name, ['start', '--config', config]));
    }
    for (const node of nodes) startProc(node);

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
        await stopProc(node, 'SIGKILL');
        kills.push(node.name);
        await sleep(random(100, 1_500));
        startProc(node);
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
      expect(stored, `every window stored; the processes said:\n${tails(nodes)}`).toBe(expected.size);
      // Both processes ran tasks of the pipeline at some point.
      for (const node of nodes) expect(node.output).toMatch(/assigned partitions here/);
      for (const node of nodes) await stopProc(node, 'SIGTERM');

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
