/**
 * Shared pieces of the benchmarks: settings from the environment, a seeded random source,
 * timing, interleaved repetitions, medians, and one JSON line of output per benchmark.
 *
 * Absolute times drift on shared machines, so every benchmark runs its baseline in the
 * same process, interleaved with the engine (baseline, engine, baseline, engine, …), and
 * reports medians and their ratio.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { compile, type Plan } from '../src/index.js';

/** `BENCH_SCALE` multiplies the event counts (0.1 for a quick run). */
export const SCALE = numberEnv('BENCH_SCALE', 1);
/** Timed repetitions of each side, after one warm-up of each. */
export const REPS = Math.max(1, Math.round(numberEnv('BENCH_REPS', 5)));
/** Records per pushed batch. */
export const BATCH_SIZE = Math.max(1, Math.round(numberEnv('BENCH_BATCH', 2048)));

function numberEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name}: expected a positive number, got "${raw}"`);
  return value;
}

/** `n` scaled by BENCH_SCALE, at least 1. */
export const scaled = (n: number): number => Math.max(1, Math.round(n * SCALE));

/** Progress and details: stderr, so that stdout carries only the JSON line. */
export const info = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

/** The benchmark's one result line. */
export const report = (result: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(result)}\n`);
};

/** Deterministic uniform numbers in [0, 1) (mulberry32), so runs see the same data. */
export const random = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** A batch as the benchmarks push it: the values and their event times. */
export interface InputBatch<T> {
  values: T[];
  timestamps: number[];
}

/** Cuts events into batches of BATCH_SIZE, with `time` as each record's timestamp. */
export const toBatches = <T>(events: T[], time: (event: T) => number): InputBatch<T>[] => {
  const batches: InputBatch<T>[] = [];
  for (let from = 0; from < events.length; from += BATCH_SIZE) {
    const values = events.slice(from, from + BATCH_SIZE);
    batches.push({ values, timestamps: values.map(time) });
  }
  return batches;
};

/**
 * The engine side of a benchmark: every batch through a fresh job of `plan`, results to
 * `sink`, late records to `late`. A dead letter means the benchmark's data is wrong.
 */
export const runJob = <T>(
  plan: Plan,
  source: string,
  batches: InputBatch<T>[],
  sink: (values: unknown[]) => void,
  late: () => void = () => {},
): void => {
  const output = {
    sink: (_name: string, batch: { values: unknown[] }) => sink(batch.values),
    deadLetter: (letter: { error: { message: string } }) => {
      throw new Error(`unexpected dead letter: ${letter.error.message}`);
    },
    late,
  };
  const job = compile(plan);
  for (let b = 0; b < batches.length; b++) job.push(source, batches[b], output);
};

/**
 * The events in batches, plus one record `flush(ts)` far enough past the last event time
 * (`horizonMs`: the window or gap plus the watermark bound) for its watermark to close
 * every window of the data.
 */
export const batchesWithFlush = <T>(
  events: T[],
  time: (event: T) => number,
  horizonMs: number,
  flush: (ts: number) => T,
): InputBatch<T>[] => {
  const batches = toBatches(events, time);
  const lastTs = events.reduce((max, e) => Math.max(max, time(e)), Number.NEGATIVE_INFINITY);
  const flushTs = lastTs + horizonMs + 1;
  batches.push({ values: [flush(flushTs)], timestamps: [flushTs] });
  info(`  ${batches.length} batches of up to ${batches[0].values.length}`);
  return batches;
};

/** Whether both sides produced the same totals, field by field; both are logged for the reader. */
export const sameTotals = <T extends object>(engine: T, bare: T): boolean => {
  info(`  engine totals ${JSON.stringify(engine)}`);
  info(`  bare totals   ${JSON.stringify(bare)}`);
  return (Object.keys(engine) as (keyof T)[]).every((field) => engine[field] === bare[field]);
};

export const collectGarbage = (): void => {
  (globalThis as { gc?: () => void }).gc?.();
};

export const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** One side of a comparison: runs the whole workload once and returns a checksum of its output. */
export type Workload<R> = () => R;

export interface Comparison<R> {
  /** Median events per second of each side. */
  engineRate: number;
  bareRate: number;
  /** Every timed run, events per second, in run order. */
  engineRates: number[];
  bareRates: number[];
  /** What the last run of each side returned. */
  engineResult: R;
  bareResult: R;
}

/**
 * Runs `bare` and `engine` alternately: one warm-up each, then REPS timed runs each, with a
 * garbage collection (when exposed) before every run so one side's garbage is not billed
 * to the other.
 */
export const compare = <R>(events: number, bare: Workload<R>, engine: Workload<R>): Comparison<R> => {
  const time = (label: string, run: Workload<R>, rates: number[] | undefined): R => {
    collectGarbage();
    const started = performance.now();
    const result = run();
    const seconds = (performance.now() - started) / 1000;
    const rate = events / seconds;
    rates?.push(rate);
    info(`  ${label.padEnd(14)} ${seconds.toFixed(3)} s  ${(rate / 1e6).toFixed(2)} M events/s`);
    return result;
  };
  time('bare warm-up', bare, undefined);
  time('engine warm-up', engine, undefined);
  const bareRates: number[] = [];
  const engineRates: number[] = [];
  let bareResult!: R;
  let engineResult!: R;
  for (let r = 1; r <= REPS; r++) {
    bareResult = time(`bare ${r}`, bare, bareRates);
    engineResult = time(`engine ${r}`, engine, engineRates);
  }
  return {
    engineRate: median(engineRates),
    bareRate: median(bareRates),
    engineRates,
    bareRates,
    engineResult,
    bareResult,
  };
};

/** Rounds for the JSON line: rates to whole events/s, ratios to three decimals. */
export const round = (x: number, digits = 0): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/**
 * Runs the compiled benchmark `file` in a fresh node process (so JIT state and heap do not
 * leak between benchmarks), passing its stderr through, and returns its stdout lines.
 */
export const runChild = (file: string, nodeArgs: string[] = []): Promise<{ code: number; lines: string[] }> =>
  new Promise((done, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const lines = out.split('\n').filter((line) => line.trim() !== '');
      done({ code: code ?? (signal ? 1 : 0), lines });
    });
  });
