/**
 * Runs the benchmarks, each in its own node process, and prints their JSON lines.
 *
 *   npm run bench                                  # all of them
 *   node dist/bench/run.js window-vs-loop          # some of them
 *   BENCH_SCALE=0.1 BENCH_REPS=3 npm run bench     # a quick run
 *
 * Missing a target is reported (`"pass": false`), not an error: the exit code is 0 unless
 * a benchmark crashed or was unknown.
 *
 * In a smoke run (CI's `BENCH_SCALE=0.02`, smoke.ts) without KAFKA_BROKERS, the benchmarks
 * that need Kafka share one local broker, started before the first of them and stopped after
 * the last, instead of starting one each: their topics, groups and clients are their own
 * either way. At larger scales each starts its own, so that none inherits another's broker.
 */
import { fileURLToPath } from 'node:url';
import { info, runChild } from './harness.js';
import { KAFKA_KIND_ENV, withBrokers } from './kafka/broker.js';
import { SMOKE } from './smoke.js';

const BENCHMARKS = [
  'window-vs-loop',
  'stateless-chain',
  'session-windows',
  'http-ingest',
  'startup',
  'expressions',
  'alerts',
  'checkpoint-incremental',
  'parallel-pipelines',
  'healthz-under-load',
  'ws-fanout',
  'kafka-throughput',
  'scale-out',
  'nexmark',
];

/** The benchmarks that run against KAFKA_BROKERS, or a local Kafka of their own (kafka/broker.ts). */
const USE_KAFKA = new Set(['kafka-throughput', 'scale-out', 'nexmark']);

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !BENCHMARKS.includes(name));
if (unknown.length > 0) {
  info(`unknown benchmark ${unknown.join(', ')}; choose from ${BENCHMARKS.join(', ')}`);
  process.exit(2);
}

/** Runs each benchmark in turn and passes its lines on; how long each took goes to stderr. */
const runAll = async (names: readonly string[]): Promise<void> => {
  for (const name of names) {
    const file = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
    const started = performance.now();
    const { code, lines } = await runChild(file, ['--expose-gc']);
    info(`${name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    for (const line of lines) process.stdout.write(`${line}\n`);
    if (code !== 0) {
      process.stdout.write(
        `${JSON.stringify({ benchmark: name, error: `exited with code ${code}`, pass: false })}\n`,
      );
      process.exitCode = 1;
    }
  }
};

/** Runs `names` against one local Kafka, started before the first and stopped after the last. */
const runOnSharedKafka = (names: readonly string[]): Promise<void> =>
  withBrokers(async ({ brokers, kind }) => {
    // The children inherit this process's environment: they find the broker there.
    Object.assign(process.env, { KAFKA_BROKERS: brokers, [KAFKA_KIND_ENV]: kind });
    try {
      await runAll(names);
    } finally {
      delete process.env.KAFKA_BROKERS;
      delete process.env[KAFKA_KIND_ENV];
    }
  });

const names = requested.length > 0 ? requested : BENCHMARKS;
const kafkaAt = names.flatMap((name, i) => (USE_KAFKA.has(name) ? [i] : []));
if (SMOKE && !process.env.KAFKA_BROKERS && kafkaAt.length > 1) {
  // In the order asked for: those before the first Kafka benchmark, from it to the last, the rest.
  const [from, to] = [kafkaAt[0], kafkaAt.at(-1)! + 1];
  await runAll(names.slice(0, from));
  await runOnSharedKafka(names.slice(from, to));
  await runAll(names.slice(to));
} else {
  await runAll(names);
}
