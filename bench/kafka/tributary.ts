/**
 * Tributary as a contender: the pipeline of docs/configuration.md — the clicks keyed by
 * `user_id` (`partitioned: true`: the topic is keyed by user, so each of its 6 partitions runs
 * as a task of its own, over 2 worker threads), counted per 10 s tumbling window of
 * `timestamp`, the results written to a fresh output topic of 6 partitions, `exactly-once`
 * (a transaction per checkpoint) or `at-least-once` (an idempotent producer). Checkpoints at
 * the default interval (5 s). Every run has a fresh data directory and a pipeline name of its
 * own, so its consumer group (`tributary.<pipeline>`) and transactional ids are new.
 *
 * The platform runs in a child process of its own — this file, forked with `--platform`,
 * which loads the configuration file written for the run and starts a `Platform` from it, as
 * `tributary start` does without the HTTP server — so that `rssMb` is the platform's alone
 * (its worker threads included: VmHWM of the process) and the benchmark's other clients
 * stay out of its heap. Its tasks report their progress every 50 ms instead of every second
 * (`reportIntervalMs`): the reports are the clock's ticks.
 *
 * - `eventsPerSec`: `events` over the time from the first task's first report (right after
 *   the task was assigned its partition and opened its sink) to the first report that
 *   shows every record in (`recordsIn` = `events`, lag 0) — at most one report interval
 *   (50 ms) after the last record was processed. Starting the process, the store and the
 *   workers is left out (`startMs`: from `Platform.start` to the first task's report);
 *   `tasksStartMs` is from the first task's report to the last one's (tasks start one after
 *   the other, those started earlier already reading).
 * - `p99LatencyMs`: over every result, from the moment its window closed in Tributary —
 *   its task's watermark at the sink passed the window's end, which happens in the push of
 *   the input record that closes it — to the moment a `read_committed` consumer in the
 *   benchmark's process received the result from the output topic. The close is taken at
 *   the last report before the watermark passed (erring long, by up to a report interval).
 *   It is what Tributary adds to a record's way: the sink's flush every 250 ms and the
 *   produce for at-least-once; for exactly-once, waiting for the checkpoint that commits
 *   the transaction (up to the 5 s interval). Time from the input's append is not used: on
 *   a backlog it is the backlog. `p50LatencyMs` beside it. `lastResultMs`: from the clock's
 *   end to the last result visible — how long the last windows take to reach a reader
 *   (slightly negative when the last result was visible before the report that showed every
 *   record in).
 * - `resultsMatch`: the results read back (`{"key","start","end","clicks"}`) against the
 *   reference's windows but those of the closing clicks (fill-topic.ts; the reference's last
 *   window: still open when the topic ends), each exactly once.
 * - `rssMb`: the child's peak resident memory, at the end of the run.
 *
 * CPU profiles: TRIBUTARY_BENCH_CPU_PROF=dir runs the child with `--cpu-prof` (one profile
 * per thread: the main thread and each worker).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Admin } from '@platformatic/kafka';
import { info } from '../harness.js';
import type { Contender } from './contender.js';
import { createTopic, removeTopic } from './fill-topic.js';
import { resultsMatch } from './reference.js';
import { closedWindows, countsOf, now, quantile, ResultReader } from './results.js';

export type Guarantee = 'exactly-once' | 'at-least-once';

const PLATFORM_FLAG = '--platform';
/** How often the tasks report, and how often the child looks at their reports. */
const REPORT_MS = 50;
const POLL_MS = 10;
const CHECKPOINT_MS = 5_000;
/** The slowest rate a run may have before it is stopped as hung. */
const SLOWEST_EVENTS_PER_SEC = 2_000;
/** After the last record is in, how long the results may take to be visible (a checkpoint or two). */
const RESULTS_WITHIN_MS = 4 * CHECKPOINT_MS + 10_000;

/** What the child tells the benchmark. */
type FromPlatform =
  | { readonly kind: 'starting'; readonly at: number }
  | { readonly kind: 'task'; readonly task: string; readonly at: number }
  | { readonly kind: 'watermark'; readonly task: string; readonly watermark: number; readonly at: number }
  | { readonly kind: 'done'; readonly at: number }
  | { readonly kind: 'failed'; readonly error: string }
  | { readonly kind: 'rss'; readonly maxRssKb: number };

/** The contender for `guarantee`. */
export const tributary =
  (guarantee: Guarantee): Contender =>
  async (topic, brokers, events, reference) => {
    const id = randomBytes(4).toString('hex');
    const pipeline = `clicks-per-user-${id}`;
    const output = `bench-clicks-per-user-${id}`;
    const expected = closedWindows(reference);
    const dir = await mkdtemp(join(tmpdir(), 'tributary-bench-'));
    const reader = new ResultReader(brokers, output);
    try {
      await createTopic(brokers, output);
      await reader.start();
      const file = join(dir, 'tributary.yaml');
      await writeFile(file, configuration({ brokers, topic, output, pipeline, guarantee, dir }));
      const run = await runPlatform(file, pipeline, events, () => {
        reader.check();
        return reader.results.length >= expected.size;
      });
      const results = reader.results;
      const { counts: got, duplicates } = countsOf(results);
      const latencies = results.map(
        (result) => result.at - run.closedAt(String(result.partition), result.end),
      );
      if (duplicates > 0) info(`  tributary ${guarantee}: ${duplicates} results twice or of a wrong window`);
      const lastVisible = Math.max(...results.map((r) => r.at));
      return {
        eventsPerSec: events / ((run.doneAt - run.assignedAt) / 1000),
        p99LatencyMs: quantile(latencies, 0.99),
        rssMb: run.maxRssKb / 1024,
        resultsMatch: duplicates === 0 && resultsMatch(expected, got, `tributary ${guarantee}`),
        details: {
          p50LatencyMs: quantile(latencies, 0.5),
          startMs: run.assignedAt - run.startingAt,
          tasksStartMs: run.allAssignedAt - run.assignedAt,
          lastResultMs: lastVisible - run.doneAt,
        },
      };
    } finally {
      await reader.close();
      await removeTopic(brokers, output);
      await deleteGroup(brokers, `tributary.${pipeline}`);
      await rm(dir, { recursive: true, force: true });
    }
  };

const configuration = (run: {
  brokers: string;
  topic: string;
  output: string;
  pipeline: string;
  guarantee: Guarantee;
  dir: string;
}): string => `
data_dir: ${JSON.stringify(join(run.dir, 'data'))}
workers: 2
checkpoint: { interval: ${CHECKPOINT_MS}ms }   # the default
kafka: { brokers: ${JSON.stringify(run.brokers)} }
sources:
  clicks: { type: kafka, topic: ${run.topic}, format: json, start: earliest }
sinks:
  per-user-topic: { type: kafka, topic: ${run.output}, format: json, guarantee: ${run.guarantee} }
pipelines:
  - name: ${run.pipeline}
    source: clicks
    time: timestamp
    steps:
      - key_by: user_id
        partitioned: true
      - window: { tumbling: 10s }
        aggregate: { clicks: count }
    sinks: [per-user-topic]
`;

interface PlatformRun {
  readonly startingAt: number;
  /** The first task's first report, and the last one's. */
  readonly assignedAt: number;
  readonly allAssignedAt: number;
  /** The first report with every record in. */
  readonly doneAt: number;
  readonly maxRssKb: number;
  /** When `task`'s watermark passed `end` (a window ending there closed): its last report before. */
  closedAt(task: string, end: number): number;
}

/**
 * Forks the platform on `file`, waits until `events` records are in and `finished()` says
 * the results are there, then stops it (a last checkpoint) and waits for its exit.
 */
const runPlatform = (
  file: string,
  pipeline: string,
  events: number,
  finished: () => boolean,
): Promise<PlatformRun> =>
  new Promise((resolve, reject) => {
    const profile = process.env.TRIBUTARY_BENCH_CPU_PROF;
    const child: ChildProcess = fork(
      fileURLToPath(import.meta.url),
      [PLATFORM_FLAG, file, pipeline, String(events)],
      {
        execArgv: profile ? ['--cpu-prof', '--cpu-prof-dir', profile] : [],
        stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      },
    );
    // Its stdout is not the benchmark's: that carries only the JSON line.
    child.stdout?.pipe(process.stderr);
    const killOnExit = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    let startingAt = 0;
    let doneAt = 0;
    let maxRssKb = 0;
    let failure: Error | undefined;
    const firstReports: number[] = [];
    const watermarks = new Map<string, { at: number; watermark: number }[]>();
    const deadline = now() + 60_000 + (events / SLOWEST_EVENTS_PER_SEC) * 1000;
    const fail = (error: Error): void => {
      failure ??= error;
      child.kill('SIGKILL');
    };
    const watch = setInterval(() => {
      let resultsIn: boolean;
      try {
        resultsIn = finished();
      } catch (error) {
        fail(error as Error);
        return;
      }
      if (now() > deadline) fail(new Error(`the platform did not get through ${events} records in time`));
      else if (doneAt > 0 && resultsIn) {
        clearInterval(watch);
        child.send('stop');
      } else if (doneAt > 0 && now() - doneAt > RESULTS_WITHIN_MS) {
        clearInterval(watch);
        info(`  tributary: not every result visible ${RESULTS_WITHIN_MS} ms after the last record`);
        child.send('stop');
      }
    }, POLL_MS);
    child.on('message', (message: FromPlatform) => {
      switch (message.kind) {
        case 'starting':
          startingAt = message.at;
          break;
        case 'task':
          firstReports.push(message.at);
          break;
        case 'watermark': {
          const timeline = watermarks.get(message.task) ?? [];
          timeline.push({ at: message.at, watermark: message.watermark });
          watermarks.set(message.task, timeline);
          break;
        }
        case 'done':
          doneAt = message.at;
          break;
        case 'failed':
          fail(new Error(`the pipeline failed: ${message.error}`));
          break;
        case 'rss':
          maxRssKb = message.maxRssKb;
          break;
      }
    });
    child.once('error', fail);
    child.once('exit', (code, signal) => {
      clearInterval(watch);
      process.removeListener('exit', killOnExit);
      if (failure || code !== 0 || doneAt === 0) {
        reject(failure ?? new Error(`the platform exited with ${code ?? signal} before the end of the run`));
        return;
      }
      const assignedAt = Math.min(...firstReports);
      resolve({
        startingAt,
        assignedAt,
        allAssignedAt: Math.max(...firstReports),
        doneAt,
        maxRssKb,
        closedAt: (task, end) => {
          const timeline = watermarks.get(task) ?? [];
          let before = assignedAt;
          for (const { at, watermark } of timeline) {
            if (watermark >= end - 1) break;
            before = at;
          }
          return before;
        },
      });
    });
  });

/** The platform's side of the run, in the child: progress to the benchmark, stop on its word. */
const platformMain = async (file: string, pipeline: string, events: number): Promise<void> => {
  const { loadConfig } = await import('../../src/config/load.js');
  const { platformOptions } = await import('../../src/runtime/from-config.js');
  const { Platform } = await import('../../src/runtime/platform.js');
  const { createLogger } = await import('../../src/observability/logger.js');
  const send = (message: FromPlatform): void => {
    process.send!(message);
  };
  process.once('disconnect', () => process.exit(1));
  const config = await loadConfig(file, { env: {} });
  const options = platformOptions(config);
  const platform = new Platform({
    ...options,
    pipelineTasks: { ...options.pipelineTasks, reportIntervalMs: REPORT_MS },
    // Warnings and errors on stderr: a run that goes wrong says why beside its figures.
    logger: createLogger({ level: 'warn', destination: process.stderr }),
    onError: (where, error) =>
      process.stderr.write(`tributary ${where}: ${(error as Error)?.message ?? error}\n`),
  });
  const watermarks = new Map<string, number | null>();
  let done = false;
  const poll = setInterval(() => {
    const status = platform.pipeline(pipeline);
    if (!status) return;
    const at = now();
    for (const { task, watermark } of status.tasks) {
      if (!watermarks.has(task)) send({ kind: 'task', task, at });
      if (watermarks.get(task) !== watermark && watermark !== null)
        send({ kind: 'watermark', task, watermark, at });
      watermarks.set(task, watermark);
    }
    if (status.status === 'failed') send({ kind: 'failed', error: status.error ?? 'failed' });
    if (!done && status.recordsIn >= events && status.lag === 0) {
      done = true;
      send({ kind: 'done', at });
    }
  }, POLL_MS);
  process.on('message', async (message) => {
    if (message !== 'stop') return;
    clearInterval(poll);
    send({ kind: 'rss', maxRssKb: process.resourceUsage().maxRSS });
    await platform.stop();
    process.exit(0);
  });
  send({ kind: 'starting', at: now() });
  await platform.start();
};

/** The pipeline's consumer group holds the offsets its checkpoints reported: gone with the run. */
const deleteGroup = async (brokers: string, group: string): Promise<void> => {
  const admin = new Admin({ clientId: 'tributary-bench-admin', bootstrapBrokers: brokers.split(',') });
  try {
    if ((await admin.listGroups()).has(group)) await admin.deleteGroups({ groups: [group] });
  } catch (error) {
    info(`  could not delete the consumer group ${group}: ${String(error)}`);
  } finally {
    await admin.close();
  }
};

if (process.argv[2] === PLATFORM_FLAG) {
  const [file, pipeline, events] = process.argv.slice(3);
  platformMain(file, pipeline, Number(events)).catch((error: unknown) => {
    process.stderr.write(`tributary: ${(error as Error)?.stack ?? error}\n`);
    process.exit(1);
  });
}
