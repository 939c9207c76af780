/**
 * JSON clicks from Kafka → keyed tumbling 10 s count per user: how fast each contender
 * gets through the same topic, against the same broker, in the same run.
 *
 * A topic of 6 partitions is filled once (1 M clicks × BENCH_SCALE, 200 users, keyed by
 * user; kafka/fill-topic.ts), then the contenders read all of it, each with a consumer group
 * of its own, alternately: one warm-up of each, then BENCH_REPS rounds (2 unless set). A smoke
 * run (CI's `BENCH_SCALE=0.02`, smoke.ts) runs each contender once: no warm-up, one round.
 *
 * - `ceiling`: Kafka's ConsumerPerformance, the Java client reading without any work per
 *   record (kafka/consumer-performance.ts): what this broker and machine give any client.
 * - `naivePython`: the seed documents' kafka-python loop with a dict of counts per (user,
 *   window) (kafka/naive_loop.py), checked against the reference (`resultsMatch`).
 * - `client`: `@platformatic/kafka`'s consume() stream alone, counting records: the cost
 *   of the client Tributary uses, before any pipeline work (kafka/client-consume.ts), with
 *   its defaults; `client1MiBPerPartition` with fetches of at most 1 MiB per partition (the
 *   Java client's default) instead of its 50 MB.
 * - `tributaryExactlyOnce`, `tributaryAtLeastOnce`: the pipeline as Tributary runs it, in a
 *   process of its own, its results written to a topic and read back (kafka/tributary.ts).
 *   `exactlyOnceCost` is at-least-once's rate over exactly-once's.
 * - `kafkaStreamsAtLeastOnce`, `kafkaStreamsExactlyOnce`: the same job as a Kafka Streams 4.4
 *   application (`at_least_once`, `exactly_once_v2`), in a JVM of its own, its results written
 *   to a topic and read back (kafka/kafka-streams.ts; built once by Maven into a cache folder,
 *   kafka/streams/build.ts).
 *
 * Rates are events/s from the group join handing a contender its partitions to the last
 * record counted: process starts and group joins are left out (`joinMs` beside them), the
 * offset look-up and every fetch are in. `ofCeiling` is each median over the ceiling's. A
 * contender is one line of CONTENDERS (kafka/contender.ts says what it must do).
 *
 * Targets, each under `targets` with its `pass` (a missed one makes the line's `pass` false;
 * the run does not fail): Tributary at-least-once ≥ 0.5 × the ceiling (`tributaryOfCeiling`),
 * ≥ 4.5 × Kafka Streams `at_least_once` (`tributaryOverKafkaStreams`; exactly-once over
 * `exactly_once_v2` likewise, `tributaryExactlyOnceOverKafkaStreams`) and ≥ 2.5 × the naive
 * Python loop (`tributaryOverNaivePython`). The ratios are at the top of the line too.
 *
 * The broker is KAFKA_BROKERS when set, else a local Kafka started for this run
 * (kafka/broker.ts).
 */
import { availableParallelism } from 'node:os';
import { info, REPS, report, round, scaled } from './harness.js';
import { withBrokers } from './kafka/broker.js';
import { USERS } from './kafka/clicks.js';
import { clientConsume } from './kafka/client-consume.js';
import { consumerPerformance } from './kafka/consumer-performance.js';
import { type Contender, type ContenderRun, describeRun, summarize } from './kafka/contender.js';
import { fillTopic, removeTopic } from './kafka/fill-topic.js';
import { deleteFreshGroups } from './kafka/groups.js';
import { kafkaStreamsAtLeastOnce, kafkaStreamsExactlyOnce } from './kafka/kafka-streams.js';
import { naivePython, requireKafkaPython } from './kafka/naive-python.js';
import { WINDOW_MS } from './kafka/reference.js';
import { buildKafkaStreamsApp } from './kafka/streams/build.js';
import { tributary } from './kafka/tributary.js';
import { repetitions, WARM_UP } from './smoke.js';

const EVENTS = scaled(1_000_000);
/** Each round reads the whole topic once per contender: fewer rounds than the in-memory benchmarks. */
const ROUNDS = repetitions(process.env.BENCH_REPS ? REPS : 2);

/** The JSON line's key → the contender. The ceiling first: the others are compared with it. */
const CONTENDERS: Record<string, Contender> = {
  ceiling: consumerPerformance,
  naivePython,
  client: clientConsume(),
  client1MiBPerPartition: clientConsume({ maxBytesPerPartition: 1_048_576 }),
  tributaryExactlyOnce: tributary('exactly-once'),
  tributaryAtLeastOnce: tributary('at-least-once'),
  kafkaStreamsAtLeastOnce,
  kafkaStreamsExactlyOnce,
};

/** The least each of Tributary's ratios may be (keys as in the JSON line): the line's targets. */
const TARGETS = {
  tributaryOfCeiling: 0.5,
  tributaryOverKafkaStreams: 4.5,
  tributaryExactlyOnceOverKafkaStreams: 4.5,
  tributaryOverNaivePython: 2.5,
};

interface Target {
  readonly value: number;
  readonly atLeast: number;
  readonly pass: boolean;
}

/** `numerator / denominator` with its target, or nothing when a side did not run. */
const ratio = (
  numerator: number | undefined,
  denominator: number | undefined,
  atLeast: number,
): Target | undefined => {
  if (!numerator || !denominator) return undefined;
  const value = round(numerator / denominator, 3);
  return { value, atLeast, pass: value >= atLeast };
};

// Before a broker and a fill they would waste; the build of the Kafka Streams app (once per
// change of its sources) stays out of the contenders' runs.
await requireKafkaPython();
await buildKafkaStreamsApp();
await withBrokers(async ({ brokers, kind }) => {
  info(`kafka-throughput: ${EVENTS} clicks, ${kind} (${brokers}), ${ROUNDS} rounds`);
  const filled = await fillTopic(brokers, EVENTS);
  try {
    const contenders = Object.entries(CONTENDERS);
    const runs = new Map<string, ContenderRun[]>(contenders.map(([name]) => [name, []]));
    const runOnce = async (contender: Contender, label: string): Promise<ContenderRun> => {
      const run = await contender(filled.topic, brokers, filled.events, filled.reference);
      info(`  ${label.padEnd(32)} ${describeRun(run)}`);
      return run;
    };
    if (WARM_UP) for (const [name, contender] of contenders) await runOnce(contender, `${name} warm-up`);
    for (let r = 1; r <= ROUNDS; r++) {
      for (const [name, contender] of contenders)
        runs.get(name)!.push(await runOnce(contender, `${name} ${r}`));
    }

    const results = Object.fromEntries(contenders.map(([name]) => [name, summarize(runs.get(name)!)]));
    const ceiling = results.ceiling.eventsPerSec as number;
    for (const [name, result] of Object.entries(results))
      if (name !== 'ceiling') result.ofCeiling = round((result.eventsPerSec as number) / ceiling, 3);
    const rateOf = (name: string): number | undefined => results[name]?.eventsPerSec as number | undefined;
    const exactlyOnce = rateOf('tributaryExactlyOnce');
    const atLeastOnce = rateOf('tributaryAtLeastOnce');
    const ratios = {
      tributaryOfCeiling: ratio(atLeastOnce, ceiling, TARGETS.tributaryOfCeiling),
      tributaryOverKafkaStreams: ratio(
        atLeastOnce,
        rateOf('kafkaStreamsAtLeastOnce'),
        TARGETS.tributaryOverKafkaStreams,
      ),
      tributaryExactlyOnceOverKafkaStreams: ratio(
        exactlyOnce,
        rateOf('kafkaStreamsExactlyOnce'),
        TARGETS.tributaryExactlyOnceOverKafkaStreams,
      ),
      tributaryOverNaivePython: ratio(atLeastOnce, rateOf('naivePython'), TARGETS.tributaryOverNaivePython),
    };
    const targets = Object.fromEntries(
      Object.entries(ratios).filter((entry): entry is [string, Target] => entry[1] !== undefined),
    );
    const matches = Object.values(results)
      .map((result) => result.resultsMatch)
      .filter((match) => match !== undefined);
    report({
      benchmark: 'kafka-throughput',
      events: filled.events,
      closingClicks: filled.closingClicks,
      partitions: filled.partitions,
      partitionSizes: filled.partitionSizes,
      users: USERS,
      windowMs: WINDOW_MS,
      windows: filled.reference.size,
      brokers: kind,
      cores: availableParallelism(),
      rounds: ROUNDS,
      fillEventsPerSec: round(filled.fillEventsPerSec),
      fillMbPerSec: round(filled.fillMbPerSec, 1),
      ...results,
      ...(exactlyOnce && atLeastOnce && { exactlyOnceCost: round(atLeastOnce / exactlyOnce, 3) }),
      ...Object.fromEntries(Object.entries(targets).map(([name, target]) => [name, target.value])),
      targets,
      resultsMatch: matches.every(Boolean),
      // Every contender that counts got the reference's counts, and Tributary met every target.
      pass: matches.every(Boolean) && Object.values(targets).every((target) => target.pass),
    });
  } finally {
    await deleteFreshGroups(brokers);
    await removeTopic(brokers, filled.topic);
  }
});
