/**
 * Processes joining a pipeline's consumer group take partitions over with their key groups'
 * state, and a process given none shows the pipeline `standby` rather than `starting`
 * forever. The results, through every move, equal a reference.
 */
import { randomBytes } from 'node:crypto';
import { Admin } from '@platformatic/kafka';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { partitionForKey } from '../../../src/connectors/log/index.js';
import { createLogger } from '../../../src/observability/logger.js';
import type { Platform } from '../../../src/runtime/platform.js';
import { newTopic, testProducer } from '../../connectors/kafka/cluster.js';
import { kafkaBrokers } from '../../kafka.js';
import { DATABASE_URL } from '../../store/backends.js';
import { startPlatform } from './platform.js';

const USERS = 40;
const PARTITIONS = 2;
const T0 = 1_700_000_000_000;
const WINDOW_MS = 60_000;
/** Click i: user i mod USERS, 10 ms apart in event time. */
const click = (i: number) => ({ user: `u${i % USERS}`, timestamp: T0 + i * 10 });
/** A user's partition, as Kafka's Java clients place its key: where a partitioned pipeline expects it. */
const placed = (user: string) => partitionForKey(user, PARTITIONS);

describe('processes joining a pipeline on Kafka', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  const schema = `rebalance_${randomBytes(4).toString('hex')}`;
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => {});
    const db = new pg.Client({ connectionString: DATABASE_URL });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => db.end());
  });

  it('move partitions with their state to the newcomers; one given none is standby', {
    timeout: 240_000,
  }, async () => {
    const input = await newTopic('clicks', PARTITIONS);
    const producer = testProducer();
    cleanup.push(() => producer.close());
    const send = (from: number, to: number) =>
      producer.send({
        messages: Array.from({ length: to - from }, (_, n) => {
          const value = click(from + n);
          return { topic: input, partition: placed(value.user), value: Buffer.from(JSON.stringify(value)) };
        }),
      });
    const pipeline = `rebalance-${randomBytes(3).toString('hex')}`;
    const start = async () => {
      const started = await startPlatform(
        (dataDir) => `
data_dir: ${dataDir}
workers: 0
store: { type: postgres, url: "${DATABASE_URL}", schema: ${schema} }
checkpoint: { interval: 500ms }
kafka: { brokers: "${kafkaBrokers()}" }
sources:
  clicks: { type: kafka, topic: ${input} }
pipelines:
  - name: ${pipeline}
    source: clicks
    time: timestamp
    steps:
      - key_by: user
        partitioned: true
      - window: { tumbling: 1m }
        aggregate: { clicks: count }
    sinks: [per-user]
    consumer_group: analytics.${pipeline}
`,
        { logger: createLogger({ level: 'warn', destination: process.stderr }) },
      );
      cleanup.push(started.close);
      return started.platform;
    };
    const running = (platform: Platform) => platform.pipeline(pipeline)?.tasks.map((t) => t.task) ?? [];

    // The first process runs both partitions and counts half of the clicks into open windows.
    await send(0, 6_000);
    const first = await start();
    await expect.poll(() => first.pipeline(pipeline)?.recordsIn, { timeout: 60_000 }).toBe(6_000);
    await expect.poll(() => first.pipeline(pipeline)?.lastCheckpoint, { timeout: 30_000 }).not.toBeNull();

    // A second takes one partition over, with the open windows of its users.
    const second = await start();
    await expect
      .poll(() => [running(first).length, running(second).length], { timeout: 90_000 })
      .toEqual([1, 1]);
    // A third is given none: there it is standby, with no task.
    const third = await start();
    await expect
      .poll(() => [first, second, third].map((p) => p.pipeline(pipeline)?.status).sort(), { timeout: 90_000 })
      .toEqual(['running', 'running', 'standby']);
    const standby = [first, second, third].find((p) => p.pipeline(pipeline)?.status === 'standby')!;
    expect(standby.pipeline(pipeline)).toMatchObject({ tasks: [], recovery: null });

    // The rest of the clicks, and one per user past the last window: every window closes.
    const events = 12_000;
    await send(6_000, events);
    await producer.send({
      messages: Array.from({ length: USERS }, (_, user) => ({
        topic: input,
        partition: placed(`u${user}`),
        value: Buffer.from(JSON.stringify({ user: `u${user}`, timestamp: T0 + events * 10 + 2 * WINDOW_MS })),
      })),
    });
    const expected = new Map<string, number>();
    for (let i = 0; i < events; i++) {
      const { user, timestamp } = click(i);
      const id = `${user}@${timestamp - (timestamp % WINDOW_MS)}`;
      expected.set(id, (expected.get(id) ?? 0) + 1);
    }
    const stored = async () => {
      const points = await first.querySeries('per-user', { from: 0, to: T0 + events * 10, limit: 10_000 });
      return new Map(points.map((p) => [`${p.key}@${p.start}`, p.values.clicks]));
    };
    await expect.poll(async () => (await stored()).size, { timeout: 90_000 }).toBe(expected.size);
    expect(await stored()).toEqual(expected);
    // The group is the one configured: Kafka's tools show every record of it read there.
    const admin = new Admin({ clientId: 'rebalance-test', bootstrapBrokers: kafkaBrokers().split(',') });
    cleanup.push(() => admin.close());
    const committed = async () => {
      const [group] = await admin.listConsumerGroupOffsets({ groups: [`analytics.${pipeline}`] });
      return (group?.topics ?? [])
        .flatMap((t) => t.partitions)
        .reduce((sum, p) => sum + Number(p.committedOffset), 0);
    };
    await expect.poll(committed, { timeout: 30_000 }).toBe(events + USERS);
  });
});
