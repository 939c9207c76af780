/**
 * A slow sink pauses its pipeline: the task stops reading its topic while the sink's buffer
 * is full, so the backlog waits in the log — the embedded one on disk, or Kafka — as lag,
 * not in memory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type EmbeddedLog, openEmbeddedLog } from '../../src/connectors/log/index.js';
import { localLogAccess } from '../../src/connectors/log/local-access.js';
import type { LogAccess } from '../../src/connectors/log/log-access.js';
import { pipeline } from '../../src/engine/index.js';
import { systemClock } from '../../src/engine/time/clock.js';
import type { TaskHost } from '../../src/runtime/host/task-host.js';
import { PipelineTask } from '../../src/runtime/task/pipeline-task.js';
import type { TaskReport } from '../../src/runtime/task/task-report.js';
import { DEFAULT_TASK_OPTIONS, type TaskSourceSpec } from '../../src/runtime/task/task-spec.js';
import { newTopic, testCluster, testProducer } from '../connectors/kafka/cluster.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const TOTAL = 100_000;
/** The input, 10,000 records at a time. */
const chunks = () =>
  Array.from({ length: TOTAL / 10_000 }, (_, c) =>
    Array.from({ length: 10_000 }, (_, j) => Buffer.from(JSON.stringify({ n: c * 10_000 + j }))),
  );

/** The input in the embedded log's topic `numbers`. */
const inEmbeddedLog = async (log: EmbeddedLog): Promise<TaskSourceSpec> => {
  for (const values of chunks())
    await log.append(
      'numbers',
      values.map((value) => ({ value })),
    );
  return { topic: 'numbers', format: 'json' };
};

/** The input in a new Kafka topic of one partition. */
const inKafka = async (): Promise<TaskSourceSpec> => {
  const topic = await newTopic('numbers', 1);
  const producer = testProducer();
  try {
    for (const values of chunks())
      await producer.send({ messages: values.map((value) => ({ topic, value })) });
  } finally {
    await producer.close();
  }
  return {
    topic,
    format: 'json',
    kafka: { cluster: testCluster(), topic, group: `backpressure-${topic}`, start: 'earliest' },
  };
};

describe.each([
  ['the embedded log', (log: EmbeddedLog) => inEmbeddedLog(log)],
  ['Kafka', () => inKafka()],
])('a pipeline reading %s with a slow sink', (_, input) => {
  it('stops reading while the sink is full, keeping memory bounded and the backlog in the log', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-backpressure-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const log = await openEmbeddedLog({ dir: join(dir, 'log') });
    cleanups.push(() => log.close());
    const numbers = await input(log);
    const total = TOTAL;

    // The sink is a log topic whose appends take 50 ms each.
    const local = localLogAccess(log, () => 1);
    const appends: number[] = [];
    const slow: LogAccess = {
      ...local,
      async append(topic, records) {
        if (topic === 'copies') {
          appends.push(records.length);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        return local.append(topic, records);
      },
    };
    let last: TaskReport | undefined;
    const host: TaskHost = {
      log: slow,
      loadCheckpoint: async () => ({ groups: [], tasks: [] }),
      loadGroups: async () => [],
      writeCheckpoint: async () => {},
      loadLegacyCheckpoint: async () => undefined,
      writeSeries: async () => {},
      observe: () => {},
      report: (report) => {
        last = report;
      },
      commitOffsets: () => {},
    };
    const maxPendingRecords = 2_000;
    const batchSize = 500;
    const task = new PipelineTask({
      spec: {
        pipeline: 'copy',
        task: 'all',
        sources: { numbers },
        sinks: { copies: { type: 'log', topic: 'copies', format: 'json' } },
        options: {
          ...DEFAULT_TASK_OPTIONS,
          batchSize,
          maxPendingRecords,
          checkpointIntervalMs: 60_000,
          flushIntervalMs: 60_000,
          tickIntervalMs: 50,
          reportIntervalMs: 50,
        },
      },
      plan: pipeline('copy').source('numbers').sink('copies').build(),
      host,
      clock: systemClock,
    });
    await task.start();
    cleanups.push(() => task.stop());
    await new Promise((resolve) => setTimeout(resolve, 500));

    const report = last!;
    const lag = report.lag.reduce((sum, p) => sum + p.lag, 0);
    // About ten 50 ms appends of at most 2,500 records fit in half a second: far from all of it.
    expect(report.recordsIn).toBeGreaterThan(0);
    expect(report.recordsIn).toBeLessThan(total / 2);
    expect(lag).toBe(total - report.recordsIn);
    // The sink never held more than the bound plus the batch that crossed it.
    expect(Math.max(...appends)).toBeLessThanOrEqual(maxPendingRecords + batchSize);
  });
});
