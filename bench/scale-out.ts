/**
 * Scale-out: the same backlog read by 1, then 2, then 3 `tributary worker` processes that
 * share a pipeline's consumer group — does throughput rise with the processes?
 *
 * A topic of 6 partitions is filled once (6 M clicks × BENCH_SCALE, 200 users, keyed by
 * user; kafka/fill-topic.ts). Each run starts k workers at once on one configuration file
 * (fleet/config.ts: the pipeline of kafka-throughput — key_by user_id partitioned, tumbling
 * 10 s count — into a store series, `workers: 1` a process), each run with a fresh consumer
 * group, pipeline, PostgreSQL schema and Redis prefix, so it reads the topic from the start.
 * Runs alternate (1, 2, 3, 1, 2, 3, …: BENCH_REPS rounds, 2 unless set); the figures are
 * medians, and the baseline is the 1-worker figure of the same run. A smoke run (CI's
 * `BENCH_SCALE=0.02`, smoke.ts) runs one round: each worker count once.
 *
 * `eventsPerSec`: the topic's records over the time from the first partition assignment in
 * any worker to the group's commit of every partition's end offset — every record processed
 * and checkpointed, its windows in the store (fleet/fleet-run.ts, fleet/committed.ts).
 * `resultsMatch`: the store holds exactly the reference's closed windows, each with its count.
 * A run whose group stops committing (fleet/committed.ts) is listed under `stalled`, with
 * the workers' errors, and fails the benchmark (`pass: false`) without crashing it.
 *
 * Target, where the machine has the cores for it and from 3 M clicks (BENCH_SCALE 0.5; below
 * that, results only): 2 workers ≥ 1.2 × 1 worker. Every process shares this machine's cores
 * with the others and with Kafka and PostgreSQL when they run here, so a third process on 2
 * cores cannot add much (`note`).
 */
import { availableParallelism } from 'node:os';
import { Admin } from '@platformatic/kafka';
import { FleetStalledError } from './fleet/committed.js';
import { runFleet, windowsTheTopicCloses } from './fleet/fleet-run.js';
import { info, REPS, report, round, scaled } from './harness.js';
import { withBrokers } from './kafka/broker.js';
import { USERS } from './kafka/clicks.js';
import { type ContenderRun, describeRun, summarize } from './kafka/contender.js';
import { fillTopic, removeTopic } from './kafka/fill-topic.js';
import { deleteFreshGroups } from './kafka/groups.js';
import { repetitions } from './smoke.js';

/**
 * One worker needs ~9 s for these here (~700 k events/s), against the ~2 s the group takes
 * to share the partitions out (a heartbeat or two of 1 s on the dev broker, and the
 * checkpoint of the partitions that move): at 600 k clicks the first worker was through
 * before a second one got a partition.
 */
const BASE_EVENTS = 6_000_000;
const EVENTS = scaled(BASE_EVENTS);
/** Each run reads the whole topic: fewer rounds than the in-memory benchmarks. */
const ROUNDS = repetitions(process.env.BENCH_REPS ? REPS : 2);
const WORKER_COUNTS = [1, 2, 3] as const;
/**
 * The end of a run is seen at the checkpoint after its last record (the commit of the
 * offsets follows it): 1 s, as in the fleet's integration test, rather than the default 5 s.
 */
const CHECKPOINT_MS = 1_000;
const TARGET_SPEEDUP2 = 1.2;
/** Below this the speedup is reported, not judged: the runs are over within the rebalance. */
const JUDGED_FROM_EVENTS = 3_000_000;

const cores = availableParallelism();

await withBrokers(async ({ brokers, kind }) => {
  info(
    `scale-out: ${EVENTS} clicks, ${kind} (${brokers}), ${ROUNDS} rounds of ${WORKER_COUNTS.join(', ')} workers`,
  );
  const filled = await fillTopic(brokers, EVENTS);
  const admin = new Admin({ clientId: 'tributary-bench-admin', bootstrapBrokers: brokers.split(',') });
  try {
    const expected = windowsTheTopicCloses(filled.reference);
    const runs = new Map<number, ContenderRun[]>(WORKER_COUNTS.map((k) => [k, []]));
    const stalled: { workers: number; round: number; error: string }[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      for (const workers of WORKER_COUNTS) {
        const label = `${workers} worker${workers > 1 ? 's' : ''} ${r}`.padEnd(14);
        try {
          const run = await runFleet({
            brokers,
            admin,
            filled,
            expected,
            workers,
            checkpointMs: CHECKPOINT_MS,
          });
          info(`  ${label} ${describeRun(run)}`);
          runs.get(workers)!.push(run);
        } catch (error) {
          // A fleet that stops moving is a finding to report, not a crash of the benchmark.
          if (!(error instanceof FleetStalledError)) throw error;
          info(`  ${label} STALLED: ${error.message}`);
          stalled.push({ workers, round: r, error: error.message });
        }
      }
    }

    const results: Record<string, Record<string, unknown>> = Object.fromEntries(
      WORKER_COUNTS.map((k) => {
        const done = runs.get(k)!;
        const failed = stalled.filter((s) => s.workers === k).length;
        return [
          String(k),
          { ...(done.length > 0 && summarize(done)), ...(failed > 0 && { stalledRuns: failed }) },
        ];
      }),
    );
    const rate = (k: number): number => (results[String(k)].eventsPerSec as number | undefined) ?? Number.NaN;
    const speedup2 = rate(2) / rate(1);
    const speedup3 = rate(3) / rate(1);
    const resultsMatch = stalled.length === 0 && [...runs.values()].flat().every((run) => run.resultsMatch);
    // One core has nothing to scale onto; a small backlog is gone before the group shares it out.
    const judgeSpeedup = cores >= 2 && filled.events >= JUDGED_FROM_EVENTS;
    report({
      benchmark: 'scale-out',
      events: filled.events,
      partitions: filled.partitions,
      partitionSizes: filled.partitionSizes,
      users: USERS,
      brokers: kind,
      cores,
      rounds: ROUNDS,
      checkpointMs: CHECKPOINT_MS,
      fillEventsPerSec: round(filled.fillEventsPerSec),
      workers: results,
      // null when every run of a worker count stalled (JSON has no NaN).
      speedup2: Number.isNaN(speedup2) ? null : round(speedup2, 3),
      speedup3: Number.isNaN(speedup3) ? null : round(speedup3, 3),
      resultsMatch,
      ...(stalled.length > 0 && { stalled }),
      target: judgeSpeedup ? `results match, speedup2 >= ${TARGET_SPEEDUP2}` : 'results match',
      pass: resultsMatch && (!judgeSpeedup || speedup2 >= TARGET_SPEEDUP2),
      note: [
        `${cores} core${cores > 1 ? 's' : ''} shared by the worker processes, this benchmark and, when they run here, Kafka and PostgreSQL: ` +
          `workers beyond the cores only share them`,
        "the clock includes each run's group join and rebalance (rebalanceMs; ~2 s with 1 s heartbeats)",
        ...(filled.events < JUDGED_FROM_EVENTS
          ? [
              `the speedup is judged from ${JUDGED_FROM_EVENTS / 1e6} M clicks (BENCH_SCALE ${JUDGED_FROM_EVENTS / BASE_EVENTS}): ` +
                'below that the first worker is through before the group shares the partitions out (workersUsed)',
            ]
          : []),
      ].join('; '),
    });
  } finally {
    await admin.close();
    await deleteFreshGroups(brokers);
    await removeTopic(brokers, filled.topic);
  }
});
