/**
 * The Kafka a benchmark runs against: the cluster in `KAFKA_BROKERS` when it is set, else a
 * real single-node Apache Kafka started here (scripts/kafka) for this run alone, in a
 * temporary folder, and stopped after it — also when the benchmark fails or is interrupted.
 *
 * @example
 * await withBrokers(async ({ brokers }) => { ... });
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KAFKA_VERSION, type RunningKafka, startKafka } from '../../scripts/kafka/broker.js';
import { info } from '../harness.js';
import { killCommands } from './commands.js';

/**
 * What KAFKA_BROKERS is, when the one who set it knows (run.ts, for the local broker it shares
 * between benchmarks): the report's `kind` instead of `KAFKA_BROKERS`.
 */
export const KAFKA_KIND_ENV = 'TRIBUTARY_BENCH_KAFKA_KIND';

export interface BenchBrokers {
  /** `host:port,…` */
  readonly brokers: string;
  /** What they are, for the report: `KAFKA_BROKERS` or the local broker's version. */
  readonly kind: string;
}

/**
 * Runs `body` against the brokers. On SIGINT or SIGTERM the commands that contenders run
 * are killed and the local broker is stopped before this process exits (130).
 */
export const withBrokers = async <T>(body: (brokers: BenchBrokers) => Promise<T>): Promise<T> => {
  const given = process.env.KAFKA_BROKERS?.trim();
  let kafka: RunningKafka | undefined;
  let dir: string | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      killCommands();
      await kafka?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    })());

  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupted = true;
    info(`${signal}: stopping${kafka ? ' Kafka' : ''}…`);
    killCommands();
    // While the broker is still starting, the start below finishes and then stops it.
    if (kafka || given) void stop().finally(() => process.exit(130));
  };
  // The last resort when the process ends without the finally below (a crash in a callback):
  // no JVM may outlive the benchmark.
  const onExit = (): void => {
    for (const pid of kafka?.pids ?? []) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal).once('exit', onExit);
  try {
    if (!given) {
      dir = await mkdtemp(join(tmpdir(), 'tributary-bench-kafka-'));
      const started = performance.now();
      kafka = await startKafka({ dir, log: info });
      info(`  local Kafka ${KAFKA_VERSION} ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      if (interrupted) {
        await stop();
        process.exit(130);
      }
    }
    const brokers = given ?? kafka!.brokers;
    const kind = given
      ? (process.env[KAFKA_KIND_ENV] ?? 'KAFKA_BROKERS')
      : `local Kafka ${KAFKA_VERSION}, 1 node`;
    return await body({ brokers, kind });
  } finally {
    await stop();
    process
      .removeListener('SIGINT', onSignal)
      .removeListener('SIGTERM', onSignal)
      .removeListener('exit', onExit);
  }
};
