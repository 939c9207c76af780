/**
 * An API that never stalls: `/healthz` latency, measured by a client in another process,
 * while a 10-second window closes over 30,000 keys at once — the pipeline fires 30,000
 * results, the store upserts them, live updates go out.
 *
 * The same run twice, alternately: the pipeline on a worker thread (as `tributary start`
 * runs it), and the pipeline on the main thread beside the HTTP server (the baseline: how
 * every pipeline ran before worker threads). Reported: p50, p99 and the worst `/healthz`
 * latency from the closing record until all 30,000 results are stored, and how long that took.
 * Two or three rounds of both; one in a smoke run (CI's `BENCH_SCALE=0.02`, smoke.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Platform } from '../src/runtime/platform.js';
import { startServer } from '../src/server/start.js';
import { info, median, REPS, report, round, scaled } from './harness.js';
import { perKey } from './plans.js';
import { repetitions } from './smoke.js';

const KEYS = scaled(30_000);
const TARGET_P99_MS = 50;
const PLANS = fileURLToPath(new URL('./plans.js', import.meta.url));
const PROBE = fileURLToPath(new URL('./healthz-probe.js', import.meta.url));
const ROUNDS = repetitions(Math.max(2, Math.min(REPS, 3)));

interface Firing {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly samples: number;
  readonly firingMs: number;
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

const until = async (check: () => Promise<boolean> | boolean): Promise<void> => {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 10));
};

/** One firing of the window over KEYS keys, the pipeline on a worker thread or on the main thread. */
const fire = async (onWorker: boolean): Promise<Firing> => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tributary-bench-healthz-'));
  const platform = new Platform({
    dataDir,
    store: { type: 'embedded' },
    sources: { readings: { type: 'http' } },
    pipelines: [perKey],
    recipes: onWorker ? () => ({ kind: 'module', module: PLANS, export: 'perKey' }) : () => undefined,
    workers: 1,
    onError: (where, error) => info(`  ${where}: ${String(error)}`),
  });
  await platform.start();
  const server = await startServer(platform, { port: 0 });
  // A dashboard watching the series: live updates are part of the work.
  const unsubscribe = platform.subscribe('series:per-key', () => {});
  const probe = spawn(process.execPath, [PROBE, `${server.url}/healthz`], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  probe.stdout.on('data', (chunk) => {
    out += chunk;
  });
  const probed = new Promise<[number, number][]>((resolve, reject) => {
    probe.on('error', reject);
    probe.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`probe exited ${code}`)),
    );
  });
  try {
    for (let from = 0; from < KEYS; from += 5_000) {
      const events = [];
      for (let k = from; k < Math.min(KEYS, from + 5_000); k++)
        events.push({ value: { key: `key-${k}`, value: k, ts: k % 10_000 } });
      await platform.ingest('readings', events);
    }
    await until(() => {
      const [status] = platform.pipelines();
      if (status.status === 'failed') throw new Error(`the pipeline failed: ${status.error}`);
      return status.recordsIn >= KEYS;
    });
    await new Promise((resolve) => setTimeout(resolve, 300)); // quiet before the firing
    const closedAt = Date.now();
    await platform.ingest('readings', [{ value: { key: 'closer', value: 0, ts: 25_000 } }]);
    await until(
      async () => ((await platform.listSeries()).find((s) => s.name === 'per-key')?.rows ?? 0) >= KEYS,
    );
    const storedAt = Date.now();
    probe.stdin.end();
    const during = (await probed)
      .filter(([sentAt, latency]) => sentAt + latency >= closedAt && sentAt <= storedAt)
      .map(([, latency]) => latency)
      .sort((a, b) => a - b);
    return {
      p50: percentile(during, 0.5),
      p99: percentile(during, 0.99),
      max: during.at(-1) ?? Number.NaN,
      samples: during.length,
      firingMs: storedAt - closedAt,
    };
  } finally {
    probe.stdin.end();
    probe.kill();
    unsubscribe();
    await server.close();
    await platform.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
};

info(
  `healthz-under-load: a window closing over ${KEYS} keys; pipeline on a worker thread vs on the main thread`,
);
const worker: Firing[] = [];
const main: Firing[] = [];
for (let r = 1; r <= ROUNDS; r++) {
  worker.push(await fire(true));
  main.push(await fire(false));
  const show = (f: Firing) =>
    `p99 ${round(f.p99, 1)} ms, max ${round(f.max, 1)} ms over ${f.samples} requests in ${f.firingMs} ms`;
  info(`  run ${r}: worker thread ${show(worker.at(-1)!)}; main thread ${show(main.at(-1)!)}`);
}
const summary = (runs: Firing[]) => ({
  p50Ms: round(median(runs.map((f) => f.p50)), 1),
  p99Ms: round(median(runs.map((f) => f.p99)), 1),
  maxMs: round(median(runs.map((f) => f.max)), 1),
  firingMs: round(median(runs.map((f) => f.firingMs))),
});
const onWorker = summary(worker);
report({
  benchmark: 'healthz-under-load',
  keys: KEYS,
  workerThread: onWorker,
  mainThread: summary(main),
  target: `/healthz p99 ≤ ${TARGET_P99_MS} ms while the window fires`,
  pass: onWorker.p99Ms <= TARGET_P99_MS,
});
