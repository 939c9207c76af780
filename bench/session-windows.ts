/**
 * Session windows (10 s gap) over 100 k keys through the engine, against a hand-written
 * loop that tracks each key's open session and fires sessions from a min-heap as the
 * watermark passes their end.
 *
 * Timeline: every user alternates 30 s of activity (about 20 events, so its session grows
 * by merging) with 30 s of silence (so the session closes); timestamps lag their arrival
 * by up to 300 ms (bound: 1 s).
 */
import { boundedOutOfOrderness, count, pipeline, session } from '../src/index.js';
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

interface SessionCount {
  key: string;
  start: number;
  end: number;
  count: number;
}

const EVENTS = scaled(10_000_000);
const KEYS = 100_000;
const GAP_MS = 10_000;
const PERIOD_MS = 60_000;
const ACTIVE_MS = 30_000;
const EVENTS_PER_SESSION = 20;
const JITTER_MS = 300;
const BOUND_MS = 1_000;
const T0 = Date.UTC(2025, 0, 1);

const generate = (): Click[] => {
  const rand = random(1234);
  const users = Array.from({ length: KEYS }, (_, k) => `user-${k}`);
  const phase = Array.from({ length: KEYS }, () => Math.floor(rand() * PERIOD_MS));
  // Events per ms so that each active user sees EVENTS_PER_SESSION events per active span.
  const perMs = (KEYS * (ACTIVE_MS / PERIOD_MS) * EVENTS_PER_SESSION) / ACTIVE_MS;
  const events: Click[] = new Array(EVENTS);
  for (let i = 0; i < EVENTS; i++) {
    const arrival = T0 + Math.floor(i / perMs);
    let k: number;
    do k = Math.floor(rand() * KEYS);
    while ((arrival + phase[k]) % PERIOD_MS >= ACTIVE_MS);
    events[i] = { user: users[k], ts: arrival - Math.floor(rand() * JITTER_MS) };
  }
  return events;
};

/** What both sides check: sessions, events counted in them, late events, total session length. */
interface Totals {
  results: number;
  counted: number;
  late: number;
  length: number;
}

const newTotals = (): Totals => ({ results: 0, counted: 0, late: 0, length: 0 });

const consume = (totals: Totals, results: readonly SessionCount[]): void => {
  for (let i = 0; i < results.length; i++) {
    const r = results[i];
    totals.results++;
    totals.counted += r.count;
    totals.length += r.end - r.start;
  }
};

const plan = pipeline('session-windows')
  .source<Click>('clicks')
  .keyBy((e) => e.user)
  .window(session('10s'), { time: (e) => e.ts, watermark: boundedOutOfOrderness(BOUND_MS) })
  .aggregate({ count: count() })
  .sink('sessions')
  .build();

const runEngine = (batches: InputBatch<Click>[]): Totals => {
  const totals = newTotals();
  runJob(
    plan,
    'clicks',
    batches,
    (values) => consume(totals, values as SessionCount[]),
    () => {
      totals.late++;
    },
  );
  return totals;
};

interface Open {
  key: string;
  start: number;
  end: number;
  count: number;
  /** The key's previous session, while it has not fired: an out-of-order record may bridge to it. */
  prev: Open | undefined;
  /** Fired, or merged into a later session. */
  done: boolean;
}

/** Min-heap of sessions by the end they had when pushed; a session that grew since is pushed again. */
class SessionHeap {
  private readonly due: number[] = [];
  private readonly items: Open[] = [];

  get size(): number {
    return this.items.length;
  }

  topDue(): number {
    return this.due[0];
  }

  push(s: Open): void {
    const { due, items } = this;
    let i = items.length;
    const at = s.end - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (due[parent] <= at) break;
      due[i] = due[parent];
      items[i] = items[parent];
      i = parent;
    }
    due[i] = at;
    items[i] = s;
  }

  pop(): Open {
    const { due, items } = this;
    const top = items[0];
    const lastDue = due.pop()!;
    const last = items.pop()!;
    const n = items.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && due[child + 1] < due[child]) child++;
      if (due[child] >= lastDue) break;
      due[i] = due[child];
      items[i] = items[child];
      i = child;
    }
    due[i] = lastDue;
    items[i] = last;
    return top;
  }
}

const runBare = (batches: InputBatch<Click>[]): Totals => {
  const totals = newTotals();
  const open = new Map<string, Open>();
  const heap = new SessionHeap();
  let maxTs = Number.NEGATIVE_INFINITY;
  let watermark = Number.NEGATIVE_INFINITY;
  for (let b = 0; b < batches.length; b++) {
    const values = batches[b].values;
    for (let i = 0; i < values.length; i++) {
      const e = values[i];
      const ts = e.ts;
      const end = ts + GAP_MS;
      if (ts > maxTs) maxTs = ts;
      const s = open.get(e.user);
      if (s !== undefined && ts < s.end && end > s.start) {
        s.count++;
        if (end > s.end) s.end = end;
        if (ts < s.start) {
          s.start = ts;
          const prev = s.prev;
          if (prev !== undefined && !prev.done && ts < prev.end) {
            // The record bridges the gap to the previous session: one session now.
            s.start = prev.start;
            s.count += prev.count;
            s.prev = prev.prev;
            prev.done = true;
          }
        }
      } else if (end - 1 <= watermark) {
        totals.late++;
      } else {
        const fresh: Open = { key: e.user, start: ts, end, count: 1, prev: s, done: false };
        open.set(e.user, fresh);
        heap.push(fresh);
      }
    }
    // The watermark moves at the batch boundary and fires the sessions it closes.
    const next = maxTs - BOUND_MS - 1;
    if (next <= watermark) continue;
    watermark = next;
    const results: SessionCount[] = [];
    while (heap.size > 0 && heap.topDue() <= watermark) {
      const s = heap.pop();
      if (s.done) continue;
      if (s.end - 1 > watermark) {
        heap.push(s); // it grew since it was pushed
        continue;
      }
      s.done = true;
      results.push({ key: s.key, start: s.start, end: s.end, count: s.count });
      if (open.get(s.key) === s) open.delete(s.key);
    }
    consume(totals, results);
  }
  return totals;
};

info(`session-windows: generating ${EVENTS} events over ${KEYS} keys`);
const events = generate();
const batches = batchesWithFlush(
  events,
  (e) => e.ts,
  GAP_MS + BOUND_MS,
  (ts) => ({ user: 'flush', ts }),
);

const result = compare(
  EVENTS,
  () => runBare(batches),
  () => runEngine(batches),
);
const { engineResult: engine, bareResult: bare } = result;
const resultsMatch = sameTotals(engine, bare) && engine.counted + engine.late === EVENTS;
report({
  benchmark: 'session-windows',
  events: EVENTS,
  keys: KEYS,
  gapMs: GAP_MS,
  batchSize: batches[0].values.length,
  sessions: engine.results,
  lateEvents: engine.late,
  engineEventsPerSec: round(result.engineRate),
  bareEventsPerSec: round(result.bareRate),
  ratio: round(result.engineRate / result.bareRate, 3),
  resultsMatch,
  // No throughput target: pass only says that both sides produced the same sessions.
  pass: resultsMatch,
});
