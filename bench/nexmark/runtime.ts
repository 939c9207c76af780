/**
 * Nexmark on the runtime: the events in a topic of the embedded log with 2 partitions, as
 * JSON, each keyed by the person it belongs to (a person by its id, an auction by its
 * seller, a bid by its bidder), read by a `Platform` whose pipeline tasks run on 1 or 2
 * worker threads, results to a `blackhole` sink (as Flink's suite writes to its blackhole).
 * The per-record costs of a real pipeline are all in: reading the log, JSON decoding,
 * checkpoints every second.
 *
 * A query runs as a task per partition where its state allows (no keyed state: q0–q2; or
 * state keyed by the topic's key: the joins of q3 and q8), else as one task reading both
 * partitions (q4, q5, q7: keyed twice, or over all bids), so that a second worker cannot
 * help it.
 *
 * Events/s are timed from when the pipeline has read 5 % of the topic until it has read
 * 95 %: the span where its tasks run, without starting threads and the store.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEmbeddedLog } from '../../src/connectors/log/index.js';
import type { PipelineStatus } from '../../src/contract/index.js';
import { Platform } from '../../src/runtime/platform.js';
import { info } from '../harness.js';
import type { GeneratedEvents } from './generator.js';
import { eventTime, isAuction, isBid, type NexmarkEvent } from './model.js';
import type { NexmarkQuery } from './query.js';
import { SINK, SOURCE } from './query.js';
import * as runtimePlans from './runtime-plans.js';

export const RUNTIME_PARTITIONS = 2;
const PLANS = fileURLToPath(new URL('./runtime-plans.js', import.meta.url));
const APPEND_BATCH = 10_000;
/** The events' times lie in the past (the generator's base time): retention by age would delete them. */
const KEEP_ALL = {};

/** The person an event belongs to: its topic key. */
const personOf = (e: NexmarkEvent): number =>
  isBid(e) ? e.bid.bidder : isAuction(e) ? e.auction.seller : e.person.id;

/** A log directory holding `input`'s events in topic `nexmark`, to copy for each run. */
export const fillTemplateLog = async (input: GeneratedEvents): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-bench-nexmark-log-'));
  const log = await openEmbeddedLog({ dir, fsync: 'never', retention: KEEP_ALL });
  try {
    await log.createTopic(SOURCE, { partitions: RUNTIME_PARTITIONS });
    const { events } = input;
    for (let from = 0; from < events.length; from += APPEND_BATCH) {
      const records = [];
      for (let i = from; i < Math.min(events.length, from + APPEND_BATCH); i++) {
        const e = events[i];
        records.push({
          key: String(personOf(e)),
          value: Buffer.from(JSON.stringify(e)),
          timestamp: eventTime(e),
        });
      }
      await log.append(SOURCE, records);
    }
  } finally {
    await log.close();
  }
  return dir;
};

export interface RuntimeRun {
  readonly eventsPerSec: number;
  /** The tasks the pipeline ran as. */
  readonly tasks: number;
  readonly recordsOut: number;
  readonly deadLetters: number;
}

/** `query` over a copy of the template log, on `workers` worker threads. */
export const runOnRuntime = async (
  template: string,
  query: NexmarkQuery,
  workers: number,
  events: number,
): Promise<RuntimeRun> => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tributary-bench-nexmark-'));
  await cp(template, join(dataDir, 'log'), { recursive: true });
  const plan = (runtimePlans as Record<string, (typeof runtimePlans)['q0']>)[query.name];
  const platform = new Platform({
    dataDir,
    store: { type: 'embedded' },
    log: { partitions: RUNTIME_PARTITIONS, retention: KEEP_ALL },
    sources: { [SOURCE]: { type: 'http' } },
    sinks: { [SINK]: { type: 'blackhole' } },
    pipelines: [plan],
    recipes: () => ({ kind: 'module', module: PLANS, export: query.name }),
    workers,
    pipelineTasks: { reportIntervalMs: 20, checkpointIntervalMs: 1_000 },
    onError: (where, error) => info(`  ${where}: ${String(error)}`),
  });
  const status = (): PipelineStatus => platform.pipelines()[0];
  try {
    await platform.start();
    const [low, high] = [Math.ceil(events * 0.05), Math.floor(events * 0.95)];
    let started: { at: number; read: number } | undefined;
    const deadline = Date.now() + 60_000 + events / 10;
    for (;;) {
      const { recordsIn } = status();
      if (!started && recordsIn >= low) started = { at: performance.now(), read: recordsIn };
      if (started && recordsIn >= high) {
        const eventsPerSec = (recordsIn - started.read) / ((performance.now() - started.at) / 1000);
        while (status().recordsIn < events && Date.now() < deadline) await sleep(5);
        // Stateless results follow their input at once; let the last reports arrive.
        await sleep(100);
        const end = status();
        return {
          eventsPerSec,
          tasks: end.tasks.length,
          recordsOut: end.recordsOut,
          deadLetters: end.deadLetters,
        };
      }
      if (Date.now() > deadline)
        throw new Error(`${query.name}: ${recordsIn} of ${events} records read in time`);
      await sleep(5);
    }
  } finally {
    await platform.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
