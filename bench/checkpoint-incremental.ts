/**
 * Incremental checkpoints: bytes and milliseconds per checkpoint of a job holding 1 M keys
 * (a count per key over a one-hour window) of which 1 % change between checkpoints.
 *
 * - before: the whole job state as one JSON document in one row, as checkpoints were
 *   written until key groups (`job.snapshot()`, stored with `SeriesStore.commit`);
 * - after: the key groups that changed, as delta rows (`GroupedState` + `CheckpointStore`).
 *
 * Both sides hold the same state, take the same input, and write to the same embedded
 * store on disk, interleaved checkpoint by checkpoint.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { compile, count, type Job, pipeline, tumbling } from '../src/index.js';
import { GroupedState } from '../src/runtime/checkpoint/grouped-state.js';
import { CheckpointStore } from '../src/store/checkpoint-store.js';
import { openSeriesStore } from '../src/store/index.js';
import { info, median, random, report, round, scaled } from './harness.js';

const KEYS = scaled(1_000_000);
const CHANGED = Math.max(1, Math.round(KEYS * 0.01));
const CHECKPOINTS = Math.max(3, Math.round(Number(process.env.BENCH_REPS ?? 5) * 2));

const plan = pipeline('per-user-hour')
  .source<{ user: string; ts: number }>('clicks', { time: (c) => c.ts })
  .keyBy((c) => c.user)
  .window(tumbling('1h'), { name: 'hourly' })
  .aggregate({ clicks: count() })
  .sink('hourly')
  .build();

const discard = { sink() {}, deadLetter() {}, late() {} };

const push = (job: Job, users: number[], ts: number) => {
  for (let from = 0; from < users.length; from += 4096) {
    const values = users.slice(from, from + 4096).map((u) => ({ user: `user-${u}`, ts }));
    job.push('clicks', { values, timestamps: values.map((v) => v.ts) }, discard);
  }
};

const dir = await mkdtemp(join(tmpdir(), 'tributary-bench-checkpoint-'));
const store = await openSeriesStore({ backend: 'pglite', dataDir: join(dir, 'store') });
const checkpoints = CheckpointStore.on(store);
try {
  info(`checkpoint-incremental: ${KEYS} keys, ${CHANGED} (1 %) change between ${CHECKPOINTS} checkpoints`);
  const before = compile(plan);
  const after = compile(plan);
  const all = Array.from({ length: KEYS }, (_, i) => i);
  push(before, all, 1_000);
  push(after, all, 1_000);
  const grouped = new GroupedState(
    after,
    128,
    Array.from({ length: 128 }, (_, g) => g),
  );

  const writeBefore = async () => {
    const started = performance.now();
    const text = JSON.stringify({ job: before.snapshot(), offsets: { clicks: 0 }, at: Date.now() });
    await store.commit({ checkpoints: { 'per-user-hour': JSON.parse(text) } });
    return { ms: performance.now() - started, bytes: text.length };
  };
  let id = 0;
  const writeAfter = async () => {
    const started = performance.now();
    const taken = grouped.take();
    const meta = JSON.stringify(after.saveMeta());
    await checkpoints.write({
      task: { pipeline: 'per-user-hour', task: 'all', id: ++id, at: Date.now(), meta, positions: '[]' },
      groups: taken.rows,
    });
    grouped.committed(taken);
    return { ms: performance.now() - started, bytes: taken.bytes + meta.length };
  };

  const first = { before: await writeBefore(), after: await writeAfter() };
  info(
    `  first checkpoint: before ${first.before.bytes} B ${first.before.ms.toFixed(0)} ms, after ${first.after.bytes} B ${first.after.ms.toFixed(0)} ms`,
  );
  const next = random(7);
  const runs = {
    beforeMs: [] as number[],
    afterMs: [] as number[],
    beforeBytes: [] as number[],
    afterBytes: [] as number[],
  };
  for (let c = 1; c <= CHECKPOINTS; c++) {
    const changed = Array.from({ length: CHANGED }, () => Math.floor(next() * KEYS));
    const ts = 1_000 + c * 1_000; // within the hour: the window stays open, its state grows
    push(before, changed, ts);
    push(after, changed, ts);
    const b = await writeBefore();
    const a = await writeAfter();
    runs.beforeMs.push(b.ms);
    runs.afterMs.push(a.ms);
    runs.beforeBytes.push(b.bytes);
    runs.afterBytes.push(a.bytes);
    info(
      `  checkpoint ${c}: before ${b.bytes} B ${b.ms.toFixed(0)} ms, after ${a.bytes} B ${a.ms.toFixed(0)} ms`,
    );
  }
  const result = {
    beforeBytes: median(runs.beforeBytes),
    afterBytes: median(runs.afterBytes),
    beforeMs: median(runs.beforeMs),
    afterMs: median(runs.afterMs),
  };
  report({
    benchmark: 'checkpoint-incremental',
    keys: KEYS,
    changedPerCheckpoint: CHANGED,
    checkpoints: CHECKPOINTS,
    beforeBytesPerCheckpoint: round(result.beforeBytes),
    afterBytesPerCheckpoint: round(result.afterBytes),
    beforeMsPerCheckpoint: round(result.beforeMs, 1),
    afterMsPerCheckpoint: round(result.afterMs, 1),
    bytesRatio: round(result.beforeBytes / result.afterBytes, 1),
    msRatio: round(result.beforeMs / result.afterMs, 1),
    firstAfterBytes: first.after.bytes,
    firstAfterMs: round(first.after.ms, 1),
    // Written whole once the deltas outweigh the full rows: as large as the first checkpoint.
    target: 'after writes only what changed: bytes per checkpoint well below before',
    pass: result.afterBytes * 10 < result.beforeBytes,
  });
} finally {
  await store.close();
  await rm(dir, { recursive: true, force: true });
}
