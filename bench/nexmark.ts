/**
 * Nexmark, every query, in two modes (one JSON line per query and mode):
 *
 * - `memory`: the query's pipeline over events generated ahead (2 M × BENCH_SCALE, the
 *   generator's defaults: 10 M events/s of event time, in order), pushed in batches with
 *   their event times, then the end of input. Generation is timed apart and left out. A
 *   baseline in the same run: the query's reference implementation, a plain loop over the
 *   whole input with no streaming at all.
 * - `kafka`: 1 M × BENCH_SCALE events written beforehand to a topic of 6 partitions as JSON
 *   (bench/nexmark/kafka.ts), then read by Tributary's Kafka source, decoded and run through
 *   the pipeline; the clock runs from the first batch read to the end of input. Against
 *   KAFKA_BROKERS, or a local Kafka started for the run.
 *
 * - `runtime`: 500 K × BENCH_SCALE events in an embedded-log topic of 2 partitions, run by
 *   the runtime on 1 and then 2 worker threads, alternately (bench/nexmark/runtime.ts).
 *
 * Figures are events/s of one thread (so per core; `runtime` gives both), with the
 * published figures per core beside them (bench/nexmark/published.ts). Results are checked
 * in full against the reference on a small out-of-order input, and by count on every timed
 * run (`runtime`: dead letters, and the results of the stateless queries).
 *
 * A smoke run (CI's `BENCH_SCALE=0.02`, bench/smoke.ts) runs every query once in each mode, and
 * on the runtime once on each worker count, without warm-ups: the same checks, with 2 platforms
 * started per query instead of 5.
 *
 *   node dist/bench/run.js nexmark                          # every mode, every query
 *   NEXMARK_MODES=memory NEXMARK_QUERIES=q4,q5 node dist/bench/nexmark.js
 */
import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { BATCH_SIZE, collectGarbage, info, median, REPS, report, round, scaled } from './harness.js';
import { withBrokers } from './kafka/broker.js';
import { PARTITIONS, removeTopic } from './kafka/fill-topic.js';
import { type GeneratedEvents, generateEvents } from './nexmark/generator.js';
import { fillNexmarkTopic, runFromKafka } from './nexmark/kafka.js';
import { PUBLISHED, targetFor } from './nexmark/published.js';
import { QUERIES } from './nexmark/queries/index.js';
import type { NexmarkQuery } from './nexmark/query.js';
import {
  canonical,
  collectResults,
  type InputBatches,
  runQuery,
  toInputBatches,
} from './nexmark/run-query.js';
import { fillTemplateLog, RUNTIME_PARTITIONS, runOnRuntime } from './nexmark/runtime.js';
import { repetitions, WARM_UP } from './smoke.js';

const EVENTS = scaled(2_000_000);
const KAFKA_EVENTS = scaled(500_000);
const RUNTIME_EVENTS = scaled(500_000);
/** Timed runs of each query in memory. */
const MEMORY_REPS = repetitions(REPS);
/** Timed runs from Kafka, and rounds of 1 and 2 workers on the runtime: each reads a whole topic. */
const KAFKA_REPS = repetitions(Number(process.env.BENCH_REPS ?? 2));
const CHECK_EVENTS = 50_000;

const selected = (process.env.NEXMARK_QUERIES ?? '').split(',').filter((name) => name !== '');
const unknown = selected.filter((name) => !QUERIES.some((q) => q.name === name));
if (unknown.length > 0) {
  throw new Error(
    `NEXMARK_QUERIES: unknown ${unknown.join(', ')}; choose from ${QUERIES.map((q) => q.name).join(', ')}`,
  );
}
const queries = selected.length > 0 ? QUERIES.filter((q) => selected.includes(q.name)) : QUERIES;
const MODES = ['memory', 'kafka', 'runtime'] as const;
type Mode = (typeof MODES)[number];
const modes = (process.env.NEXMARK_MODES ?? MODES.join(',')).split(',') as Mode[];
for (const mode of modes) {
  if (!MODES.includes(mode))
    throw new Error(`NEXMARK_MODES: unknown mode "${mode}"; choose from ${MODES.join(', ')}`);
}

/** Seconds `run` takes, after a garbage collection so that earlier garbage is not billed to it. */
const timed = (run: () => void): number => {
  collectGarbage();
  const started = performance.now();
  run();
  return (performance.now() - started) / 1000;
};

const check = generateEvents(CHECK_EVENTS, { firstEventRate: 2_000, outOfOrderGroupSize: 200, seed: 11 });
const checkBatches = toInputBatches(check, 512);
/** Each query's full check, run once whatever the modes. */
const checked = new Map<string, boolean>();

/** Whether the query's results equal its reference's, in full, on the small out-of-order input. */
const checkInFull = (query: NexmarkQuery): boolean => {
  let match = checked.get(query.name);
  if (match === undefined) {
    match =
      JSON.stringify(canonical(collectResults(query.plan(check), checkBatches))) ===
      JSON.stringify(canonical(query.reference(check)));
    checked.set(query.name, match);
  }
  return match;
};

/** The query in memory over `input`. */
const measure = (query: NexmarkQuery, input: GeneratedEvents, batches: InputBatches): void => {
  const plan = query.plan(input);
  const fullMatch = checkInFull(query);
  let results = 0;
  const engine = () => {
    results = 0;
    runQuery(plan, batches, (values) => {
      results += values.length;
    });
  };
  let expected = 0;
  const reference = () => {
    expected = query.reference(input).length;
  };
  info(`${query.name}: ${query.summary}`);
  if (WARM_UP) {
    engine();
    reference();
  }
  const engineRates: number[] = [];
  const referenceRates: number[] = [];
  for (let r = 1; r <= MEMORY_REPS; r++) {
    engineRates.push(EVENTS / timed(engine));
    referenceRates.push(EVENTS / timed(reference));
    info(
      `  run ${r}: engine ${(engineRates.at(-1)! / 1e6).toFixed(2)} M events/s, reference ${(referenceRates.at(-1)! / 1e6).toFixed(2)} M/s`,
    );
  }
  const referenceRate = median(referenceRates);
  reportQuery(query, 'memory', EVENTS, median(engineRates), results, fullMatch && results === expected, {
    referenceEventsPerSec: round(referenceRate),
    ofReference: round(median(engineRates) / referenceRate, 3),
  });
};

/** One query's JSON line. */
const reportQuery = (
  query: NexmarkQuery,
  mode: Mode,
  events: number,
  rate: number,
  results: number,
  resultsMatch: boolean,
  details: Record<string, unknown>,
): void => {
  const published = PUBLISHED[query.name]!;
  // The targets are for the engine in memory; from Kafka, decoding JSON and the client's
  // fetches come first, and the figures are reported beside the published ones.
  const target = mode === 'memory' ? targetFor(query.name)! : null;
  report({
    benchmark: 'nexmark',
    mode,
    query: query.name,
    events,
    results,
    workers: 1,
    eventsPerSecPerCore: round(rate),
    ...details,
    published,
    ofFlink: round(rate / published.flink, 2),
    ofFeldera: round(rate / published.feldera, 2),
    target,
    targetOf: target === null ? null : 'eventsPerSecPerCore',
    resultsMatch,
    pass: resultsMatch && (target === null || rate >= target),
  });
};

if (modes.includes('memory')) {
  info(`nexmark: generating ${EVENTS} events`);
  let input = generateEvents(1);
  const generationSeconds = timed(() => {
    input = generateEvents(EVENTS);
  });
  info(`  ${(EVENTS / generationSeconds / 1e6).toFixed(2)} M events/s generated (not counted below)`);
  const batches = toInputBatches(input, BATCH_SIZE);
  for (const query of queries) measure(query, input, batches);
}

if (modes.includes('kafka')) {
  const kafkaInput = generateEvents(KAFKA_EVENTS);
  await withBrokers(async ({ brokers, kind }) => {
    info(`nexmark from Kafka (${kind}): ${KAFKA_EVENTS} events`);
    const { topic, bytes, fillEventsPerSec } = await fillNexmarkTopic(brokers, kafkaInput);
    try {
      for (const query of queries) {
        const plan = query.plan(kafkaInput);
        const expected = query.reference(kafkaInput).length;
        info(`${query.name} from Kafka: ${query.summary}`);
        if (WARM_UP) await runFromKafka(brokers, topic, plan, KAFKA_EVENTS);
        const rates: number[] = [];
        let counted = true;
        for (let r = 1; r <= KAFKA_REPS; r++) {
          collectGarbage();
          const run = await runFromKafka(brokers, topic, plan, KAFKA_EVENTS);
          counted &&= run.results === expected;
          rates.push(KAFKA_EVENTS / run.seconds);
          info(
            `  run ${r}: ${(rates.at(-1)! / 1e6).toFixed(2)} M events/s, ${run.results} results (reference ${expected})`,
          );
        }
        const fullMatch = checkInFull(query);
        reportQuery(query, 'kafka', KAFKA_EVENTS, median(rates), expected, fullMatch && counted, {
          brokers: kind,
          partitions: PARTITIONS,
          mbPerSec: round((bytes / 1e6) * (median(rates) / KAFKA_EVENTS), 1),
          fillEventsPerSec: round(fillEventsPerSec),
        });
      }
    } finally {
      await removeTopic(brokers, topic);
    }
  });
}

if (modes.includes('runtime')) {
  const runtimeInput = generateEvents(RUNTIME_EVENTS);
  info(`nexmark on the runtime: ${RUNTIME_EVENTS} events, ${RUNTIME_PARTITIONS} partitions, 1 worker then 2`);
  const template = await fillTemplateLog(runtimeInput);
  try {
    for (const query of queries) {
      info(`${query.name} on the runtime: ${query.summary}`);
      const expected = query.reference(runtimeInput).length;
      // Stateless queries' results are all out once their input is; windows and joins keep the last open.
      const stateless = ['q0', 'q1', 'q2'].includes(query.name);
      const runs = { one: [] as number[], two: [] as number[] };
      let healthy = true;
      let tasks = 0;
      if (WARM_UP) await runOnRuntime(template, query, 1, RUNTIME_EVENTS);
      for (let r = 1; r <= KAFKA_REPS; r++) {
        for (const workers of [1, 2] as const) {
          const run = await runOnRuntime(template, query, workers, RUNTIME_EVENTS);
          healthy &&= run.deadLetters === 0 && (!stateless || run.recordsOut === expected);
          tasks = run.tasks;
          (workers === 1 ? runs.one : runs.two).push(run.eventsPerSec);
          info(
            `  run ${r}, ${workers} worker${workers === 1 ? '' : 's'}: ${(run.eventsPerSec / 1e6).toFixed(2)} M events/s, ` +
              `${run.tasks} tasks, ${run.recordsOut} results, ${run.deadLetters} dead letters`,
          );
        }
      }
      const fullMatch = checkInFull(query);
      const one = median(runs.one);
      reportQuery(query, 'runtime', RUNTIME_EVENTS, one, expected, fullMatch && healthy, {
        tasks,
        twoWorkersEventsPerSec: round(median(runs.two)),
        speedup2: round(median(runs.two) / one, 3),
      });
    }
  } finally {
    await rm(template, { recursive: true, force: true });
  }
}
