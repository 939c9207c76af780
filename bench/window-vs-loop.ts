/**
 * A keyed tumbling-window count through the engine against the same computation as a
 * hand-written nested `Map` loop: same events, same batches, windows fired by a bounded
 * out-of-orderness watermark at batch boundaries, same result records.
 *
 * Timeline: 100 events per ms spread over 10 k users, so each 10 s window holds about 100
 * events per user; timestamps lag their arrival by up to 300 ms (bound: 500 ms).
 */
import { boundedOutOfOrderness, count, pipeline, tumbling } from '../src/index.js';
import {
  batchesWithFlush,
  compare,
  type InputBatch,
  info,
  random,
  report,
  round,
  runJob,
  sameTotals,
  scaled,
} from './harness.js';

interface Click {
  user: string;
  ts: number;
}

interface WindowCount {
  key: string;
  start: number;
  end: number;
  count: number;
}

const EVENTS = scaled(10_000_000);
const KEYS = 10_000;
const WINDOW_MS = 10_000;
const EVENTS_PER_KEY_PER_WINDOW = 100;
const JITTER_MS = 300;
const BOUND_MS = 500;
const T0 = Date.UTC(2025, 0, 1);
const TARGET = 0.8;

const generate = (): Click[] => {
  const rand = random(42);
  const users = Array.from({ length: KEYS }, (_, k) => `user-${k}`);
  const perMs = (KEYS * EVENTS_PER_KEY_PER_WINDOW) / WINDOW_MS;
  const events: Click[] = new Array(EVENTS);
  for (let i = 0; i < EVENTS; i++) {
    const arrival = T0 + Math.floor(i / perMs);
    events[i] = { user: users[Math.floor(rand() * KEYS)], ts: arrival - Math.floor(rand() * JITTER_MS) };
  }
  return events;
};

/** What both sides check: result records, events counted in them, late events, and a window-weighted sum. */
interface Totals {
  results: number;
  counted: number;
  late: number;
  checksum: number;
}

const newTotals = (): Totals => ({ results: 0, counted: 0, late: 0, checksum: 0 });

/** The sink of both sides. */
const consume = (totals: Totals, results: readonly WindowCount[]): void => {
  for (let i = 0; i < results.length; i++) {
    const r = results[i];
    totals.results++;
    totals.counted += r.count;
    totals.checksum += r.count * ((r.start - T0) / WINDOW_MS + 1);
  }
};

const plan = pipeline('window-vs-loop')
  .source<Click>('clicks')
  .keyBy((e) => e.user)
  .window(tumbling('10s'), { time: (e) => e.ts, watermark: boundedOutOfOrderness(BOUND_MS) })
  .aggregate({ count: count() })
  .sink('counts')
  .build();

const runEngine = (batches: InputBatch<Click>[]): Totals => {
  const totals = newTotals();
  runJob(
    plan,
    'clicks',
    batches,
    (values) => consume(totals, values as WindowCount[]),
    () => {
      totals.late++;
    },
  );
  return totals;
};

const runBare = (batches: InputBatch<Click>[]): Totals => {
  const totals = newTotals();
  const windows = new Map<number, Map<string, number>>();
  let maxTs = Number.NEGATIVE_INFINITY;
  let watermark = Number.NEGATIVE_INFINITY;
  // Consecutive events nearly always share a window: keep the current one at hand.
  let lastStart = Number.NaN;
  let lastCounts: Map<string, number> | undefined;
  for (let b = 0; b < batches.length; b++) {
    const values = batches[b].values;
    for (let i = 0; i < values.length; i++) {
      const e = values[i];
      const ts = e.ts;
      if (ts > maxTs) maxTs = ts;
      const start = ts - (ts % WINDOW_MS);
      if (start + WINDOW_MS - 1 <= watermark) {
        totals.late++;
        continue;
      }
      let counts = start === lastStart ? lastCounts : windows.get(start);
      if (counts === undefined) {
        counts = new Map();
        windows.set(start, counts);
      }
      lastStart = start;
      lastCounts = counts;
      counts.set(e.user, (counts.get(e.user) ?? 0) + 1);
    }
    // The watermark moves at the batch boundary and fires the windows it closes.
    const next = maxTs - BOUND_MS - 1;
    if (next <= watermark) continue;
    watermark = next;
    for (const [start, counts] of windows) {
      const end = start + WINDOW_MS;
      if (end - 1 > watermark) continue;
      const results: WindowCount[] = [];
      for (const [key, n] of counts) results.push({ key, start, end, count: n });
      windows.delete(start);
      if (start === lastStart) lastStart = Number.NaN;
      consume(totals, results);
    }
  }
  return totals;
};

info(`window-vs-loop: generating ${EVENTS} events over ${KEYS} keys`);
const events = generate();
const batches = batchesWithFlush(
  events,
  (e) => e.ts,
  WINDOW_MS + BOUND_MS,
  (ts) => ({ user: 'flush', ts }),
);

const result = compare(
  EVENTS,
  () => runBare(batches),
  () => runEngine(batches),
);
const { engineResult: engine, bareResult: bare } = result;
const resultsMatch = sameTotals(engine, bare) && engine.counted + engine.late === EVENTS;
const ratio = result.engineRate / result.bareRate;
report({
  benchmark: 'window-vs-loop',
  events: EVENTS,
  keys: KEYS,
  batchSize: batches[0].values.length,
  windowResults: engine.results,
  lateEvents: engine.late,
  engineEventsPerSec: round(result.engineRate),
  bareEventsPerSec: round(result.bareRate),
  ratio: round(ratio, 3),
  target: TARGET,
  targetOf: 'ratio',
  resultsMatch,
  pass: resultsMatch && ratio >= TARGET,
});
