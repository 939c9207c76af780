/**
 * The `tributary` command as a user runs it: start with a configuration, take events over
 * HTTP, and stop gracefully on SIGTERM — intake stops, pipelines drain and checkpoint —
 * so that nothing read is lost.
 */
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_DEAD_LETTERS } from '../../src/cli/start.js';
import { openEmbeddedLog } from '../../src/connectors/log/index.js';
import { CheckpointStore } from '../../src/store/checkpoint-store.js';
import { openSeriesStore } from '../../src/store/index.js';
import { kafkaBrokers } from '../kafka.js';
import { DATABASE_URL } from '../store/backends.js';
import { CLI, freePort, run, until } from './helpers.js';

describe('tributary start', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('serves a configuration and shuts down gracefully on SIGTERM, checkpointing what it read', {
    timeout: 60_000,
  }, async () => {
    expect(existsSync(CLI), 'run `npm run build` first (npm test does)').toBe(true);
    const dir = await mkdtemp(join(tmpdir(), 'tributary-cli-'));
    dirs.push(dir);
    const port = await freePort();
    const config = join(dir, 'tributary.yaml');
    await writeFile(
      config,
      [
        `data_dir: ${join(dir, 'data')}`,
        `server: { port: ${port} }`,
        'checkpoint: { interval: 1h }',
        'sources:',
        '  orders: { type: http }',
        'sinks:',
        '  copies: { type: log, topic: order-copies }',
        'pipelines:',
        '  - name: per-customer',
        '    source: orders',
        '    time: ts',
        '    steps:',
        '      - key_by: customer',
        '      - window: { tumbling: 1m }',
        '        aggregate: { orders: count, total: { sum: amount } }',
        '    sink: per-customer',
        '  - name: big-orders',
        '    source: orders',
        '    steps:',
        "      - filter: 'amount > 100.0'",
        '    sink: copies',
        '',
      ].join('\n'),
    );

    const started = run(['start', '--config', config]);
    children.push(started.child);
    await until(
      () => started.output().includes('Tributary is running'),
      `the server to start: ${started.output()}`,
    );
    const orders = [
      { customer: 'c1', amount: 50, ts: 1_000 },
      { customer: 'c1', amount: 150, ts: 2_000 },
      { customer: 'c2', amount: 500, ts: 3_000 },
    ];
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/streams/orders/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(orders),
    });
    expect(response.status).toBe(202);
    await until(async () => {
      const body = (await (await fetch(`http://127.0.0.1:${port}/api/v1/pipelines/per-customer`)).json()) as {
        recordsIn: number;
      };
      return body.recordsIn === 3;
    }, 'the pipeline to read the orders');

    // The checkpoint interval is an hour: only a graceful shutdown writes one now.
    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
    expect(started.output()).not.toContain(DEMO_DEAD_LETTERS);
    expect(started.output()).toContain('SIGTERM: stopping intake, draining pipelines, writing checkpoints');
    expect(started.output()).toContain('"msg":"stopped"');

    const store = await openSeriesStore({ backend: 'pglite', dataDir: join(dir, 'data', 'store') });
    const { task } = await CheckpointStore.on(store).load('per-customer', 'all', []);
    await store.close();
    expect(JSON.parse(task!.positions)).toEqual([{ topic: 'orders', partition: 0, offset: 3 }]);

    const log = await openEmbeddedLog({ dir: join(dir, 'data', 'log') });
    const { records } = await log.read('order-copies', 0, 0);
    await log.close();
    expect(records.map((r) => JSON.parse(r.value.toString()))).toEqual([orders[1], orders[2]]);
  });

  it('runs the demo through Kafka and PostgreSQL with KAFKA_BROKERS and DATABASE_URL set', {
    timeout: 120_000,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-cli-'));
    dirs.push(dir);
    // A database of its own for the demo's series and checkpoints.
    const database = `demo_kafka_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(DATABASE_URL);
    url.pathname = `/${database}`;
    const port = await freePort();
    const started = run(['start', '--demo'], {
      KAFKA_BROKERS: kafkaBrokers(),
      DATABASE_URL: url.toString(),
      TRIBUTARY_DATA_DIR: join(dir, 'data'),
      PORT: String(port),
    });
    children.push(started.child);
    try {
      await until(
        () => started.output().includes('Tributary is running'),
        `the demo to start: ${started.output()}`,
      );
      // An event over HTTP goes to the source's Kafka topic too: its offset is Kafka's.
      const marker = `user-${randomBytes(4).toString('hex')}`;
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/streams/clicks/events?keyField=user`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: marker, page: '/home', ts: Date.now(), dwellMs: 5 }),
      });
      expect(response.status).toBe(202);
      const { partitions } = (await response.json()) as {
        partitions: { partition: number; firstOffset: number }[];
      };
      const [{ partition, firstOffset }] = partitions;
      const { stdout } = await promisify(execFile)('kcat', [
        ...['-C', '-b', kafkaBrokers(), '-t', 'clicks', '-p', String(partition)],
        ...['-o', String(firstOffset), '-c', '1', '-e', '-f', '%k %s'],
      ]);
      expect(stdout).toContain(`${marker} {"user":"${marker}"`);

      // The generators' clicks reach the store in PostgreSQL through the topics, window by window.
      const db = new pg.Client({ connectionString: url.toString() });
      await db.connect();
      try {
        const count = async () =>
          Number(
            (
              await db
                .query<{ n: string }>(
                  `SELECT count(*) AS n FROM tributary.series_results WHERE series = 'clicks-per-user'`,
                )
                .catch(() => ({ rows: [{ n: '0' }] }))
            ).rows[0].n,
          );
        await expect.poll(count, { timeout: 60_000, interval: 1_000 }).toBeGreaterThan(0);
      } finally {
        await db.end();
      }
      // A task reports its counts once a second, so its first results may be stored before the
      // report that counts their records reaches the API.
      const clicks = async () => {
        const { pipelines } = (await (await fetch(`http://127.0.0.1:${port}/api/v1/pipelines`)).json()) as {
          pipelines: { name: string; status: string; recordsIn: number }[];
        };
        return pipelines.find((p) => p.name === 'clicks-per-user');
      };
      await expect.poll(async () => (await clicks())?.recordsIn ?? 0, { timeout: 10_000 }).toBeGreaterThan(0);
      expect(await clicks()).toMatchObject({ status: 'running' });
      expect(started.output()).toMatch(/"pipeline":"clicks-per-user".*assigned partitions here/);

      started.child.kill('SIGTERM');
      expect(await started.exited).toBe(0);
    } finally {
      started.child.kill('SIGKILL');
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    }
  });

  it('runs the demo, and says first that its dead letters are deliberate', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-cli-'));
    dirs.push(dir);
    const port = await freePort();
    const started = run(['start', '--demo'], { PORT: String(port), TRIBUTARY_DATA_DIR: join(dir, 'data') });
    children.push(started.child);
    await until(
      () => started.output().includes('Tributary is running'),
      `the demo to start: ${started.output()}`,
    );
    await until(() => started.output().includes(DEMO_DEAD_LETTERS), `the demo's note: ${started.output()}`);
    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
  });

  it('refuses to listen beyond loopback without API keys, before starting anything', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-cli-'));
    dirs.push(dir);
    const result = run(['start', '--demo'], { HOST: '0.0.0.0', TRIBUTARY_DATA_DIR: join(dir, 'data') });
    expect(await result.exited).toBe(1);
    expect(result.output()).toContain('beyond loopback, without API keys');
    expect(result.output()).toContain('TRIBUTARY_API_KEYS');
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('refuses a configuration with errors, naming each with file:line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-cli-'));
    dirs.push(dir);
    const config = join(dir, 'bad.yaml');
    await writeFile(
      config,
      [
        'sources:',
        '  clicks: { type: generator, generator: clicks, rate: -5 }',
        'pipelines:',
        '  - name: p',
        '    source: klicks',
        '    sink: out',
        '',
      ].join('\n'),
    );
    for (const command of [
      ['validate', config],
      ['start', '--config', config],
    ]) {
      const result = run(command);
      expect(await result.exited).toBe(1);
      expect(result.output()).toContain(`${config}:2:`);
      expect(result.output()).toContain(`${config}:5:`);
    }
  });
});
