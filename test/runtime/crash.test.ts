/**
 * Exactly-once into the store, proven the hard way: a platform process is SIGKILLed at
 * random moments while it works through a topic, restarted each time, and finally allowed
 * to finish. The stored results must equal a reference computed from the whole input:
 * nothing lost, nothing counted twice.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbeddedLog } from '../../src/connectors/log/index.js';
import { openSeriesStore } from '../../src/store/index.js';

const CHILD = fileURLToPath(new URL('./fixtures/crash-child.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/src/runtime/platform.js', import.meta.url));

const EVENTS = 600_000;
const USERS = 37;
const WINDOW = 10_000;

/** Event i: in event-time order, so no record is late whatever the batch boundaries. */
const event = (i: number) => ({ user: `u${(i * 7) % USERS}`, ts: i * 10, amount: (i % 5) + 1 });

/** Runs the child; resolves with its exit once it is killed `killAfterMs` after it is ready, or finishes. */
const runChild = (dataDir: string, killAfterMs: number | undefined) =>
  new Promise<{ code: number | null; signal: string | null; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dataDir], {
      env: { ...process.env, FINISH: killAfterMs === undefined ? '1' : '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      output += chunk;
    });
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      if (killAfterMs !== undefined && chunk.includes('ready'))
        setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, output }));
  });

describe('a platform killed at random moments', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('stores exactly the results of an uninterrupted run', { timeout: 240_000 }, async () => {
    expect(
      existsSync(BUILT),
      'the crash test runs the built platform: run `npm run build` (npm test does)',
    ).toBe(true);
    const dataDir = await mkdtemp(join(tmpdir(), 'tributary-crash-'));
    dirs.push(dataDir);

    // The whole input is in the log before the first start; a final record far ahead closes every window.
    const log = await openEmbeddedLog({ dir: join(dataDir, 'log') });
    const input = Array.from({ length: EVENTS }, (_, i) => event(i));
    input.push({ user: 'end', ts: EVENTS * 10 + 60_000, amount: 0 });
    for (let i = 0; i < input.length; i += 5_000) {
      await log.append(
        'clicks',
        input.slice(i, i + 5_000).map((e) => ({ value: Buffer.from(JSON.stringify(e)) })),
      );
    }
    await log.close();

    const reference = new Map<string, { clicks: number; spend: number }>();
    for (const e of input) {
      if (e.user === 'end') continue;
      const start = e.ts - (e.ts % WINDOW);
      const id = `${e.user}@${start}`;
      const r = reference.get(id) ?? { clicks: 0, spend: 0 };
      r.clicks += 1;
      r.spend += e.amount;
      reference.set(id, r);
    }

    const kills = 5;
    for (let k = 0; k < kills; k++) {
      const run = await runChild(dataDir, 50 + Math.random() * 550);
      expect(run.signal, `run ${k} should have been killed, it ended with: ${run.output}`).toBe('SIGKILL');
    }
    const last = await runChild(dataDir, undefined);
    expect(last.code, last.output).toBe(0);

    const store = await openSeriesStore({ backend: 'pglite', dataDir: join(dataDir, 'store') });
    try {
      const points = await store.query('clicks-per-user', { from: 0, to: EVENTS * 10 + 120_000 });
      const stored = new Map(
        points.filter((p) => p.key !== 'end').map((p) => [`${p.key}@${p.start}`, p.values]),
      );
      expect(stored.size).toBe(reference.size);
      for (const [id, expected] of reference) expect(stored.get(id), id).toEqual(expected);
    } finally {
      await store.close();
    }
  });
});
