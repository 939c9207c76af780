/**
 * Smoke runs: CI runs every benchmark at `BENCH_SCALE=0.02` (.ci/run) to prove that it still
 * works — every code path once, every result checked — not to measure; figures from inputs
 * that small mean little anyway. Below SMOKE_BELOW a benchmark drops what only steadies its
 * figures: untimed warm-up runs, and timed repetitions beyond the first (`BENCH_REPS`, when
 * set, still decides those). At larger scales nothing changes.
 */
import { SCALE } from './harness.js';

/** Below this BENCH_SCALE a run is a smoke run. */
const SMOKE_BELOW = 0.1;

/** Whether this run only proves the benchmarks work (CI): see above. */
export const SMOKE = SCALE < SMOKE_BELOW;

const repsSet = (process.env.BENCH_REPS ?? '') !== '';

/**
 * Timed repetitions (or rounds): `full`, what the benchmark runs at scale; in a smoke run 1,
 * unless BENCH_REPS asks for more.
 */
export const repetitions = (full: number): number => (SMOKE && !repsSet ? 1 : full);

/** Whether to run untimed warm-ups before the timed runs: not in a smoke run. */
export const WARM_UP = !SMOKE;
