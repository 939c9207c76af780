/**
 * Kafka Streams as a contender: the same job as a Kafka Streams 4.4 application
 * (streams/ClicksPerUser.java, built once by streams/build.ts) in a JVM of its own for each
 * run. The clicks' JSON decoded by Jackson, their `timestamp` as event time (a
 * TimestampExtractor), grouped by the record key (the user: no repartition topic), counted per
 * tumbling 10 s window with a grace of 0 (ClicksPerUser says why that drops nothing here) in
 * the default RocksDB store with its changelog topic, and one result per window once it closes
 * (`suppress(untilWindowCloses)`: final counts, as Tributary writes them, instead of an update
 * per window at every commit), written as JSON to a fresh output topic of 6 partitions.
 * `processing.guarantee` `at_least_once` or `exactly_once_v2`, `commit.interval.ms` 1000,
 * 2 stream threads (Tributary runs 2 workers), `-Xmx512m` as the ceiling's JVM (`jvmOptions`
 * for short runs). Each run has a fresh application id (its consumer group, internal topics and
 * transactional ids) and state directory, and removes them and its output topic afterwards.
 *
 * - `eventsPerSec`: `events` over the time from the first task's start — its partition
 *   assigned, its stores open, its processors initialized (the first `assigned` line of
 *   streams/Progress.java) — to the moment the last record had been through the topology
 *   (`done`). The equivalent of Tributary's clock (tributary.ts), rather than the client's
 *   RUNNING state, which comes once every task has started (`runningMs` after the first task,
 *   and `tasksStartMs` for the last one's start) while the first tasks already read. `startMs`
 *   is from the JVM's main() to the first task's start (Kafka Streams' start and the group
 *   join); `processMs` the whole command, the JVM's start and close included.
 * - `p99LatencyMs`: over every result, from the moment its window closed in Kafka Streams —
 *   its task's stream time passed the window's end, taken just before the record that does it
 *   is processed (the `closed` lines) — to the moment a `read_committed` consumer in the
 *   benchmark's process received the result. As tributary.ts measures it: what Kafka Streams
 *   adds to a record's way, here the store cache's flush at the next commit (≤ 1 s) that hands
 *   the count to the suppression buffer, the producer's linger, and for exactly_once_v2 the
 *   commit of the transaction. `p50LatencyMs` beside it; `lastResultMs` from the clock's end
 *   to the last result visible.
 * - `resultsMatch`: the results read back against the reference's windows but those of the
 *   closing clicks (still open when the topic ends), each exactly once, and no record dropped
 *   as late (`droppedLate`: Kafka Streams' `dropped-records-total`).
 * - `rssMb`: the JVM's peak resident memory (VmHWM: heap, RocksDB and buffers), read by the
 *   JVM itself once Kafka Streams closed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Admin } from '@platformatic/kafka';
import { info } from '../harness.js';
import { tail } from './commands.js';
import type { Contender } from './contender.js';
import { createTopic, PARTITIONS, removeTopic } from './fill-topic.js';
import { freshGroupId } from './groups.js';
import { resultsMatch } from './reference.js';
import { closedWindows, countsOf, now, quantile, ResultReader } from './results.js';
import { AppTimeline, latenciesOf, parseAppLine } from './streams/app-output.js';
import { buildKafkaStreamsApp, KAFKA_STREAMS_MAIN } from './streams/build.js';

export type KafkaStreamsGuarantee = 'at_least_once' | 'exactly_once_v2';

const STREAM_THREADS = 2;
/** From here on the JVM runs with its defaults. */
const C2_FROM_EVENTS = 100_000;
const POLL_MS = 10;
/** The slowest rate a run may have before it is stopped as hung. */
const SLOWEST_EVENTS_PER_SEC = 2_000;
/** After the last record is through, how long the results may take to be visible (a few commits). */
const RESULTS_WITHIN_MS = 20_000;
/** From "stop" to the JVM's exit: Kafka Streams' close (30 s at most) and a margin. */
const STOP_WITHIN_MS = 45_000;

/**
 * The JVM's options. A run of fewer than 100 k clicks (CI's `BENCH_SCALE=0.02` reads 20 k) is
 * mostly the JVM's start, during which C2, the JIT's optimizing tier, competes for the 2 cores:
 * C1 alone cut such a run's CPU time here from 8–10 s to 5 s for 20 k clicks and started the
 * tasks sooner, at the same rate or a better one. From 100 k clicks on, the JVM's defaults, as
 * Kafka Streams is deployed (at 1 M, C1 alone and the defaults were even here).
 */
const jvmOptions = (events: number): string[] => [
  '-Xmx512m',
  ...(events < C2_FROM_EVENTS ? ['-XX:TieredStopAtLevel=1'] : []),
];

/**
 * The JVM's class-data archive (AppCDS): the first run of a build writes the classes it loaded
 * into one as it exits, and later runs map them instead of loading them from the jars again,
 * which took 1.5–2.5 s off each start here (outside the clock: `startMs`). Java 17 has no
 * `-XX:+AutoCreateSharedArchive` yet. The archive is written under another name and takes its
 * own only after a run that ended well (`settle(true)`), so a JVM killed while writing it
 * leaves nothing a later run would map.
 */
const classDataOptions = (archive: string): { options: string[]; settle: (ok: boolean) => Promise<void> } => {
  if (existsSync(archive)) return { options: [`-XX:SharedArchiveFile=${archive}`], settle: async () => {} };
  const writing = `${archive}.${process.pid}`;
  return {
    options: [`-XX:ArchiveClassesAtExit=${writing}`],
    settle: async (ok) => {
      if (ok && existsSync(writing)) await rename(writing, archive);
      else await rm(writing, { force: true });
    },
  };
};

/** The contender for `guarantee`. */
export const kafkaStreams =
  (guarantee: KafkaStreamsGuarantee): Contender =>
  async (topic, brokers, events, reference) => {
    const app = await buildKafkaStreamsApp();
    const id = randomBytes(4).toString('hex');
    const applicationId = freshGroupId(`kafka-streams-${guarantee.replaceAll('_', '-')}`);
    const output = `bench-kafka-streams-per-user-${id}`;
    const expected = closedWindows(reference);
    const stateDir = await mkdtemp(join(tmpdir(), 'tributary-bench-kafka-streams-'));
    const reader = new ResultReader(brokers, output);
    try {
      await createTopic(brokers, output);
      await reader.start();
      const args = {
        brokers,
        input: topic,
        output,
        'application-id': applicationId,
        'state-dir': stateDir,
        guarantee,
        events: String(events),
        threads: String(STREAM_THREADS),
      };
      const classData = classDataOptions(app.classArchive);
      const jvm = [...jvmOptions(events), ...classData.options, '-cp', app.classpath];
      let run: AppRun;
      try {
        run = await runApp(jvm, args, events, () => {
          reader.check();
          return reader.results.length >= expected.size;
        });
      } catch (error) {
        await classData.settle(false);
        throw error;
      }
      await classData.settle(true);

      const { timeline, stopped } = run;
      const { counts, duplicates } = countsOf(reader.results);
      if (duplicates > 0)
        info(`  kafka streams ${guarantee}: ${duplicates} results twice or of a wrong window`);
      if (stopped.droppedRecords > 0 || stopped.behindMs > 0) {
        info(
          `  kafka streams ${guarantee}: ${stopped.droppedRecords} records dropped as late; ` +
            `a click came up to ${stopped.behindMs} ms behind its task's stream time`,
        );
      }
      if (!stopped.closedCleanly) info(`  kafka streams ${guarantee}: its close took more than 30 s`);
      const latencies = latenciesOf(reader.results, timeline, PARTITIONS);
      const lastVisible = Math.max(...reader.results.map((r) => r.at));
      return {
        eventsPerSec: events / ((run.doneAt - run.assignedAt) / 1000),
        p99LatencyMs: quantile(latencies, 0.99),
        rssMb: stopped.peakRssKb / 1024,
        resultsMatch:
          duplicates === 0 &&
          stopped.droppedRecords === 0 &&
          resultsMatch(expected, counts, `kafka streams ${guarantee}`),
        details: {
          p50LatencyMs: quantile(latencies, 0.5),
          startMs: run.assignedAt - (timeline.startingAt ?? run.assignedAt),
          tasksStartMs: (timeline.allAssignedAt ?? run.assignedAt) - run.assignedAt,
          runningMs: (timeline.runningAt ?? run.assignedAt) - run.assignedAt,
          lastResultMs: lastVisible - run.doneAt,
          droppedLate: stopped.droppedRecords,
          processMs: run.wallMs,
        },
      };
    } finally {
      await reader.close();
      await Promise.all([
        removeTopic(brokers, output),
        removeApplication(brokers, applicationId),
        rm(stateDir, { recursive: true, force: true }),
      ]);
    }
  };

export const kafkaStreamsAtLeastOnce = kafkaStreams('at_least_once');
export const kafkaStreamsExactlyOnce = kafkaStreams('exactly_once_v2');

interface AppRun {
  readonly timeline: AppTimeline;
  readonly stopped: NonNullable<AppTimeline['stopped']>;
  readonly assignedAt: number;
  readonly doneAt: number;
  /** From the spawn to the exit. */
  readonly wallMs: number;
}

/**
 * Runs ClicksPerUser on `jvm` (its options and class path) with `args` until every record is
 * through and `finished()` says the results are there (or RESULTS_WITHIN_MS passed), then
 * tells it to stop and waits for its exit. Killed with the benchmark: at its exit, and by the end of its stdin when the benchmark
 * dies without one.
 */
const runApp = (
  jvm: readonly string[],
  args: Readonly<Record<string, string>>,
  events: number,
  finished: () => boolean,
): Promise<AppRun> =>
  new Promise((resolve, reject) => {
    const argv = [...jvm, KAFKA_STREAMS_MAIN];
    for (const [name, value] of Object.entries(args)) argv.push(`--${name}`, value);
    const started = performance.now();
    const child: ChildProcess = spawn('java', argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    const killOnExit = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    const timeline = new AppTimeline();
    let log = '';
    const keep = (text: string): void => {
      log = (log + text).slice(-64 * 1024);
    };
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const parsed = parseAppLine(line);
      if (parsed) timeline.add(parsed);
      else keep(`${line}\n`);
    });
    child.stderr!.setEncoding('utf8').on('data', keep);
    // The JVM may be gone when "stop" is written: its exit says what happened.
    child.stdin!.on('error', () => {});

    let failure: Error | undefined;
    let stopDeadline: NodeJS.Timeout | undefined;
    const deadline = now() + 60_000 + (events / SLOWEST_EVENTS_PER_SEC) * 1000;
    const fail = (error: Error): void => {
      failure ??= error;
      child.kill('SIGKILL');
    };
    const stop = (): void => {
      clearInterval(watch);
      child.stdin!.end('stop\n');
      stopDeadline = setTimeout(
        () => fail(new Error(`did not stop within ${STOP_WITHIN_MS} ms`)),
        STOP_WITHIN_MS,
      );
    };
    const watch = setInterval(() => {
      let resultsIn: boolean;
      try {
        resultsIn = finished();
      } catch (error) {
        fail(error as Error);
        return;
      }
      const doneAt = timeline.doneAt;
      if (timeline.failure !== undefined) fail(new Error(timeline.failure));
      else if (now() > deadline) fail(new Error(`did not get through ${events} records in time`));
      else if (doneAt !== undefined && resultsIn) stop();
      else if (doneAt !== undefined && now() - doneAt > RESULTS_WITHIN_MS) {
        info(`  kafka streams: not every result visible ${RESULTS_WITHIN_MS} ms after the last record`);
        stop();
      }
    }, POLL_MS);
    child.once('error', fail);
    child.once('close', (code, signal) => {
      clearInterval(watch);
      clearTimeout(stopDeadline);
      process.removeListener('exit', killOnExit);
      const { stopped, doneAt, assignedAt } = timeline;
      if (failure || code !== 0 || !stopped || doneAt === undefined || assignedAt === undefined) {
        const why = failure?.message ?? `exited with ${code ?? signal} before the end of the run`;
        reject(new Error(`Kafka Streams (${KAFKA_STREAMS_MAIN}) ${why}:\n${tail(log)}`, { cause: failure }));
        return;
      }
      resolve({ timeline, stopped, assignedAt, doneAt, wallMs: performance.now() - started });
    });
  });

/**
 * Removes what a run of the application leaves on the cluster: its internal topics (the
 * changelogs of the window store and of the suppression buffer, `<application.id>-…`) and its
 * consumer group. A failure is reported, not thrown; the group is deleted again at the
 * benchmark's end (groups.ts).
 */
const removeApplication = async (brokers: string, applicationId: string): Promise<void> => {
  const admin = new Admin({ clientId: 'tributary-bench-admin', bootstrapBrokers: brokers.split(',') });
  try {
    const topics = (await admin.listTopics()).filter((name) => name.startsWith(`${applicationId}-`));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    if ((await admin.listGroups()).has(applicationId)) await admin.deleteGroups({ groups: [applicationId] });
  } catch (error) {
    info(`  could not remove the Kafka Streams application ${applicationId}: ${String(error)}`);
  } finally {
    await admin.close();
  }
};
