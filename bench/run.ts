/**
 * Runs the benchmarks, each in its own node process, and prints their JSON lines.
 *
 *   npm run bench                                  # all of them
 *   node dist/bench/run.js window-vs-loop          # some of them
 *   BENCH_SCALE=0.1 BENCH_REPS=3 npm run bench     # a quick run
 *
 * Missing a target is reported (`"pass": false`), not an error: the exit code is 0 unless
 * a benchmark crashed or was unknown.
 */
import { fileURLToPath } from 'node:url';
import { info, runChild } from './harness.js';

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

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !BENCHMARKS.includes(name));
if (unknown.length > 0) {
  info(`unknown benchmark ${unknown.join(', ')}; choose from ${BENCHMARKS.join(', ')}`);
  process.exit(2);
}

for (const name of requested.length > 0 ? requested : BENCHMARKS) {
  const file = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  const { code, lines } = await runChild(file, ['--expose-gc']);
  for (const line of lines) process.stdout.write(`${line}\n`);
  if (code !== 0) {
    process.stdout.write(
      `${JSON.stringify({ benchmark: name, error: `exited with code ${code}`, pass: false })}\n`,
    );
    process.exitCode = 1;
  }
}
