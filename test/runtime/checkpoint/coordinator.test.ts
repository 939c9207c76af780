/**
 * The commit order, proven one failure point at a time: a task that dies right after a
 * checkpoint step — flushed, prepared, written, committed, acknowledged — and is started
 * again from what is stored leaves the store exactly as an uninterrupted run would, and
 * loses nothing of its at-least-once output (a log topic, the dead letters).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_TOPIC } from '../../../src/connectors/dead-letter.js';
import { type EmbeddedLog, openEmbeddedLog } from '../../../src/connectors/log/index.js';
import { localLogAccess } from '../../../src/connectors/log/local-access.js';
import { count, pipeline, sum, tumbling } from '../../../src/engine/index.js';
import { systemClock } from '../../../src/engine/time/clock.js';
import { TributaryError } from '../../../src/errors.js';
import { CHECKPOINT_STEPS, type CheckpointStep } from '../../../src/runtime/checkpoint/coordinator.js';
import { LocalHost } from '../../../src/runtime/host/local-host.js';
import type { TaskHost } from '../../../src/runtime/host/task-host.js';
import { PipelineTask } from '../../../src/runtime/task/pipeline-task.js';
import type { TaskReport } from '../../../src/runtime/task/task-report.js';
import { DEFAULT_TASK_OPTIONS, type TaskSpec } from '../../../src/runtime/task/task-spec.js';
import { CheckpointStore } from '../../../src/store/checkpoint-store.js';
import { openSeriesStore, type SeriesStore } from '../../../src/store/index.js';

interface Click {
  readonly user: string;
  readonly ts: number | string;
  readonly amount: number;
}

const EVENTS = 3_000;
const USERS = 7;
/** Event i, in event-time order; every 97th has an event time no window can take. */
const click = (i: number): Click => ({
  user: `u${i % USERS}`,
  ts: i % 97 === 5 ? 'soon' : i * 20,
  amount: (i % 3) + 1,
});
/** Far past the last event: its watermark closes every window. */
const FLUSH: Click = { user: 'flush', ts: EVENTS * 20 + 60_000, amount: 0 };

/** Spend per user and 10 s into the store (exactly once); every record copied to a log topic (at least once). */
const planNamed = (name: string) => {
  const p = pipeline(name);
  const clicks = p.source<Click>('clicks', { time: (c) => c.ts as number });
  clicks.sink('copies');
  clicks
    .keyBy((c) => c.user)
    .window(tumbling('10s'), { name: 'per-user' })
    .aggregate({ clicks: count(), spend: sum((c) => c.amount) })
    .sink('spend');
  return p.build();
};
const BAD_EVENTS = Array.from({ length: EVENTS }, (_, i) => i).filter((i) => typeof click(i).ts !== 'number');

const reference = (() => {
  const windows = new Map<string, { clicks: number; spend: number }>();
  for (let i = 0; i < EVENTS; i++) {
    const c = click(i);
    if (typeof c.ts !== 'number') continue;
    const id = `${c.user}@${c.ts - (c.ts % 10_000)}`;
    const w = windows.get(id) ?? { clicks: 0, spend: 0 };
    w.clicks++;
    w.spend += c.amount;
    windows.set(id, w);
  }
  return windows;
})();

const spec = (name: string, sinks: TaskSpec['sinks']): TaskSpec => ({
  pipeline: name,
  task: 'all',
  sources: { clicks: { topic: 'clicks', format: 'json' } },
  sinks,
  // Small batches and frequent checkpoints: a crash lands well inside the input.
  options: {
    ...DEFAULT_TASK_OPTIONS,
    batchSize: 200,
    checkpointIntervalMs: 0,
    flushIntervalMs: 0,
    tickIntervalMs: 10,
    reportIntervalMs: 0,
  },
});

/** A host that, once killed, answers nothing ever again: what a dead process's calls get. */
const killable = (host: TaskHost): TaskHost & { kill(): void } => {
  let dead = false;
  const never = new Promise<never>(() => {});
  const guard =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      dead ? never : call(...args);
  return {
    log: {
      partitions: guard((topic) => host.log.partitions(topic)),
      openReader: () => {
        const reader = host.log.openReader();
        return {
          read: guard((topic, partition, offset, max) => reader.read(topic, partition, offset, max)),
          forget: (topic, partition) => reader.forget(topic, partition),
          close: () => reader.close(),
        };
      },
      locate: guard((topic, partition, offset) => host.log.locate(topic, partition, offset)),
      waitForData: guard((positions, timeout) => host.log.waitForData(positions, timeout)),
      append: guard((topic, records) => host.log.append(topic, records)),
    },
    loadCheckpoint: guard((p, t, g, o) => host.loadCheckpoint(p, t, g, o)),
    loadGroups: guard((p, g) => host.loadGroups(p, g)),
    writeCheckpoint: guard((write) => host.writeCheckpoint(write)),
    loadLegacyCheckpoint: guard((pipeline) => host.loadLegacyCheckpoint(pipeline)),
    writeSeries: guard((writes) => host.writeSeries(writes)),
    observe: (observations) => {
      if (!dead) host.observe(observations);
    },
    report: (report) => {
      if (!dead) host.report(report);
    },
    commitOffsets: (group, positions) => {
      if (!dead) host.commitOffsets(group, positions);
    },
    kill: () => {
      dead = true;
    },
  };
};

describe('a task that dies after a checkpoint step', () => {
  let dir: string;
  let log: EmbeddedLog;
  let store: SeriesStore;

  beforeAll(async () => {
    store = await openSeriesStore({ backend: 'pglite' });
    dir = await mkdtemp(join(tmpdir(), 'tributary-coordinator-'));
    log = await openEmbeddedLog({ dir: join(dir, 'log') });
    const input = [...Array.from({ length: EVENTS }, (_, i) => click(i)), FLUSH];
    for (let i = 0; i < input.length; i += 500) {
      await log.append(
        'clicks',
        input.slice(i, i + 500).map((c) => ({ value: Buffer.from(JSON.stringify(c)) })),
      );
    }
  });

  afterAll(async () => {
    await store?.close();
    await log?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs the pipeline to the end of its input, dying once after `step` of checkpoint 3. */
  const runThrough = async (name: string, step?: CheckpointStep) => {
    const plan = planNamed(name);
    const sinks: TaskSpec['sinks'] = {
      spend: { type: 'store', series: name },
      copies: { type: 'log', topic: `${name}-copies`, format: 'json' },
    };
    const checkpoints = CheckpointStore.on(store);
    let died = false;
    const start = async (crashAt?: CheckpointStep) => {
      let last: TaskReport | undefined;
      const host = killable(
        new LocalHost({
          log: localLogAccess(log, () => 1),
          store,
          checkpoints,
          stored: () => {},
          observe: () => {},
          report: (report) => {
            last = report;
          },
        }),
      );
      const task = new PipelineTask({
        spec: spec(name, sinks),
        plan,
        host,
        clock: systemClock,
        onCheckpointStep: (at, id) => {
          if (at === crashAt && id === 3 && !died) {
            died = true;
            host.kill();
            throw new TributaryError('TRB_INTERNAL', `killed after "${at}" of checkpoint ${id}`);
          }
        },
      });
      await task.start();
      return { task, report: () => last };
    };
    const first = await start(step);
    // Wait for the death, or (without one) for the end of the input.
    for (let i = 0; i < 2_000 && !died; i++) {
      const report = first.report();
      if (step === undefined && report && report.lag.every((p) => p.lag === 0) && report.recordsIn > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    let final = first;
    if (step !== undefined) {
      expect(died, `the task should have died after "${step}"`).toBe(true);
      final = await start();
    }
    for (let i = 0; i < 4_000; i++) {
      const report = final.report();
      if (report && report.lag.length > 0 && report.lag.every((p) => p.lag === 0)) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await final.task.stop();
  };

  const stored = async (series: string) => {
    const points = await store.query(series, { from: 0, to: EVENTS * 20 + 120_000 });
    return new Map(points.filter((p) => p.key !== 'flush').map((p) => [`${p.key}@${p.start}`, p.values]));
  };

  const readAll = async (topic: string): Promise<Buffer[]> => {
    const values: Buffer[] = [];
    for (let offset = 0; ; ) {
      const { records, nextOffset } = await log.read(topic, 0, offset, { maxRecords: 10_000 });
      if (records.length === 0) return values;
      values.push(...records.map((r) => r.value));
      offset = nextOffset;
    }
  };

  it.each(['no step (an uninterrupted run)', ...CHECKPOINT_STEPS])(
    'dying after %s: nothing lost, nothing counted twice',
    async (at) => {
      const step = (CHECKPOINT_STEPS as readonly string[]).includes(at) ? (at as CheckpointStep) : undefined;
      const name = `spend-${step ?? 'uninterrupted'}`;
      await runThrough(name, step);
      // Exactly once into the store.
      expect(await stored(name)).toEqual(reference);
      // At least once into the log topic and the dead letters: a replay may write some twice.
      const copies = new Set((await readAll(`${name}-copies`)).map((v) => v.toString()));
      // (The records with a bad event time are dead-lettered at the source, before the copy.)
      expect(copies.size).toBe(EVENTS + 1 - BAD_EVENTS.length);
      const letters = (await readAll(DEAD_LETTER_TOPIC))
        .map((v) => JSON.parse(v.toString()) as { pipeline: string; position: { offset: number } })
        .filter((letter) => letter.pipeline === name);
      expect(new Set(letters.map((l) => l.position.offset))).toEqual(new Set(BAD_EVENTS));
    },
  );
});
