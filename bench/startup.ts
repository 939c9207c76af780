/**
 * `npm start` until `/readyz` answers 200, on a fresh data directory each time: the start a
 * newcomer sees after `npm ci` (which built once; `npm start` checks the build is current
 * and starts). Beside it `tributary start --demo` alone, and the baseline, in the same run:
 * a bare node process that starts an HTTP server — the floor of starting any Node service
 * here. The target is on `npm start`. Up to three rounds of the three; one in a smoke run
 * (CI's `BENCH_SCALE=0.02`, smoke.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { info, median, REPS, report, round } from './harness.js';
import { repetitions } from './smoke.js';

const TARGET_SECONDS = 5;
const ROUNDS = repetitions(Math.max(1, Math.min(REPS, 3)));
const CLI = fileURLToPath(new URL('../src/cli/index.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BARE = `require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1')`;

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

/** Seconds from spawning `command args` until GET `path` answers 200. */
const timeToReady = async (command: string, args: string[], path: string): Promise<number> => {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'tributary-bench-start-'));
  const started = performance.now();
  // Its own process group: `npm start` runs the server as a child, and both stop together.
  const child: ChildProcess = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), TRIBUTARY_DATA_DIR: dataDir },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  try {
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`${args.join(' ')} exited with ${child.exitCode} before it was ready`);
      const ok = await fetch(`http://127.0.0.1:${port}${path}`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) return (performance.now() - started) / 1000;
      if (performance.now() - started > 60_000) throw new Error('not ready within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid!, 'SIGINT');
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  }
};

const npmStart: number[] = [];
const tributary: number[] = [];
const bare: number[] = [];
for (let r = 1; r <= ROUNDS; r++) {
  bare.push(await timeToReady(process.execPath, ['-e', BARE], '/'));
  tributary.push(await timeToReady(process.execPath, [CLI, 'start', '--demo'], '/readyz'));
  npmStart.push(await timeToReady('npm', ['start', '--silent'], '/readyz'));
  info(
    `  run ${r}: bare node ${bare.at(-1)!.toFixed(2)} s, tributary ${tributary.at(-1)!.toFixed(2)} s, ` +
      `npm start ${npmStart.at(-1)!.toFixed(2)} s`,
  );
}
const seconds = median(npmStart);
report({
  benchmark: 'startup',
  npmStartSeconds: round(seconds, 2),
  tributarySeconds: round(median(tributary), 2),
  bareNodeSeconds: round(median(bare), 2),
  target: TARGET_SECONDS,
  targetOf: 'npmStartSeconds',
  pass: seconds <= TARGET_SECONDS,
});
