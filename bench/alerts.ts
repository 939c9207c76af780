/**
 * Alert evaluation cost: 10 k threshold rules (severity by ratio, hysteresis, `for`) over a
 * stream of 100 k observations per second of event time, against the same comparisons in a
 * bare loop (a nested `Map` look-up of the thresholds and three comparisons per event).
 *
 * Rules watch 1,000 series × 10 fields; 20 keys per series. Values sit below their
 * threshold, with a 0.2 % chance of a spike above it, so alerts start, fire and resolve all
 * along. Processing time follows event time (the engine ticks every second of it), so `for`
 * and retention act as in a live run. Each timed run feeds the next stretch of the stream to
 * the same engine: a steady state, not a cold start.
 */

import { performance } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import { AlertEngine, type Observation, type RuleDocument } from '../src/alerts/index.js';
import { ManualClock } from '../src/testing/index.js';
import { info, median, REPS, random, report, round, scaled } from './harness.js';

const RULES = 10_000;
const SERIES = 1_000;
const FIELDS = RULES / SERIES;
const KEYS = 20;
const EVENTS = scaled(2_000_000);
const RATE = 100_000;
const BATCH = 2_048;
const SPIKE = Number(process.env.ALERTS_SPIKE ?? 0.002);
const T0 = Date.UTC(2025, 0, 1);
/** Event time the stream covers in one run. */
const SPAN = Math.ceil((EVENTS / RATE) * 1000);
/** Engine cost at most this many times the keyed bare loop's (absolute times drift on shared machines). */
const TARGET_RATIO = 4;

const rand = random(7);
const thresholds = Array.from({ length: RULES }, () => 50 + Math.floor(rand() * 50));
const seriesNames = Array.from({ length: SERIES }, (_, s) => `series-${s}`);
const fieldNames = Array.from({ length: FIELDS }, (_, f) => `field_${f}`);
const keyNames = Array.from({ length: KEYS }, (_, k) => `host-${k}`);

const rules: RuleDocument[] = thresholds.map((threshold, r) => ({
  name: `rule-${r}`,
  type: 'threshold',
  series: seriesNames[Math.floor(r / FIELDS)],
  field: fieldNames[r % FIELDS],
  threshold,
  hysteresis: '5%',
  for: '2s',
}));

/** The stream, generated once: `rule` is the index of the rule an event belongs to. */
interface Event {
  readonly rule: number;
  readonly key: string;
  readonly value: number;
  readonly offset: number;
}

const generate = (): Event[] => {
  const events: Event[] = new Array(EVENTS);
  for (let i = 0; i < EVENTS; i++) {
    const rule = Math.floor(rand() * RULES);
    const threshold = thresholds[rule];
    const value = rand() < SPIKE ? threshold * (1 + rand() * 0.8) : threshold * rand() * 0.9;
    events[i] = {
      rule,
      key: keyNames[Math.floor(rand() * KEYS)],
      value,
      offset: Math.floor((i * 1000) / RATE),
    };
  }
  return events;
};

info(`alerts: ${RULES} threshold rules, ${EVENTS} observations at ${RATE}/s of event time`);
const events = generate();

// ---- the engine ----

const clock = new ManualClock(T0);
// Metrics count in plain numbers on the hot path; the registry only reads them.
const registry = new Registry();
const engine = await AlertEngine.open({ clock, config: { rules }, registry });
let run = 0;

/** The observations, built once; each run moves their timestamps on by the span (outside the timing). */
const stream: { -readonly [K in keyof Observation]: Observation[K] }[][] = [];
for (let b = 0; b < events.length; b += BATCH) {
  const batch = [];
  for (let i = b; i < Math.min(b + BATCH, events.length); i++) {
    const e = events[i];
    batch.push({
      series: seriesNames[Math.floor(e.rule / FIELDS)],
      key: e.key,
      field: fieldNames[e.rule % FIELDS],
      value: e.value,
      timestamp: T0 + e.offset,
    });
  }
  stream.push(batch);
}
const moveOn = (): void => {
  for (const batch of stream) for (const o of batch) o.timestamp += SPAN;
};

const runEngine = (): number => {
  run++;
  const batches = stream;
  let nextTick = batches[0][0].timestamp;
  for (const batch of batches) {
    const now = batch[batch.length - 1].timestamp;
    clock.set(now);
    engine.observe(batch, now);
    if (now >= nextTick) {
      engine.tick(now);
      nextTick = now + 1000;
    }
  }
  return engine.alerts({ state: 'firing' }).length;
};

// ---- the bare loops ----

// (1) The comparisons alone: a nested `Map` look-up of the thresholds, three comparisons.
const bareThresholds = new Map<string, Map<string, number>>();
rules.forEach((rule, r) => {
  if (rule.type !== 'threshold') return;
  let fields = bareThresholds.get(rule.series);
  if (!fields) bareThresholds.set(rule.series, (fields = new Map()));
  fields.set(rule.field!, thresholds[r]);
});

const runBare = (): number => {
  let above = 0;
  for (const batch of stream) {
    for (let i = 0; i < batch.length; i++) {
      const o = batch[i];
      const threshold = bareThresholds.get(o.series)?.get(o.field!);
      if (threshold === undefined) continue;
      if (o.value > threshold) above++;
      if (o.value > threshold * 1.2) above++;
      if (o.value > threshold * 1.5) above++;
    }
  }
  return above;
};

// (2) The same, keeping what any correct evaluator must keep per rule and key: the newest
// event time (to ignore stale values) and which levels are on (for hysteresis).
interface BareKey {
  lastTs: number;
  on: number;
}
const bareKeyed = new Map<string, Map<string, { threshold: number; keys: Map<string, BareKey> }>>();
rules.forEach((rule, r) => {
  if (rule.type !== 'threshold') return;
  let fields = bareKeyed.get(rule.series);
  if (!fields) bareKeyed.set(rule.series, (fields = new Map()));
  fields.set(rule.field!, { threshold: thresholds[r], keys: new Map() });
});

const runBareKeyed = (): number => {
  let changes = 0;
  for (const batch of stream) {
    for (let i = 0; i < batch.length; i++) {
      const o = batch[i];
      const rule = bareKeyed.get(o.series)?.get(o.field!);
      if (rule === undefined) continue;
      let state = rule.keys.get(o.key);
      if (state === undefined) rule.keys.set(o.key, (state = { lastTs: Number.NEGATIVE_INFINITY, on: 0 }));
      if (o.timestamp < state.lastTs) continue;
      state.lastTs = o.timestamp;
      const t = rule.threshold;
      const on = (o.value > t ? 1 : 0) + (o.value > t * 1.2 ? 1 : 0) + (o.value > t * 1.5 ? 1 : 0);
      if (on !== state.on) {
        state.on = on;
        changes++;
      }
    }
  }
  return changes;
};

/**
 * Like the harness's `compare` (warm-up, then bare and engine alternately, medians), with
 * one difference: between engine runs the stream moves on in event time, untimed.
 */
const timeRun = (label: string, work: () => number, rates?: number[]): number => {
  (globalThis as { gc?: () => void }).gc?.();
  const started = performance.now();
  const out = work();
  const seconds = (performance.now() - started) / 1000;
  rates?.push(EVENTS / seconds);
  info(`  ${label.padEnd(14)} ${seconds.toFixed(3)} s  ${(EVENTS / seconds / 1e6).toFixed(2)} M events/s`);
  return out;
};
const bareRates: number[] = [];
const keyedRates: number[] = [];
const engineRates: number[] = [];
let firing = 0;
timeRun('bare warm-up', runBare);
timeRun('keyed warm-up', runBareKeyed);
timeRun('engine warm-up', runEngine);
for (let r = 1; r <= REPS; r++) {
  timeRun(`bare ${r}`, runBare, bareRates);
  moveOn();
  timeRun(`keyed ${r}`, runBareKeyed, keyedRates);
  firing = timeRun(`engine ${r}`, runEngine, engineRates);
}
await engine.settled();
const engineRate = median(engineRates);
const bareRate = median(bareRates);
const engineNs = 1e9 / engineRate;
const bareNs = 1e9 / bareRate;
const keyedNs = 1e9 / median(keyedRates);
const evaluations = Number(
  (await registry.getSingleMetricAsString('tributary_alert_evaluations_total')).split(' ').at(-1),
);
info(
  `  engine ${engineNs.toFixed(0)} ns/event, bare ${bareNs.toFixed(0)}, keyed bare ${keyedNs.toFixed(0)}; firing at the end: ${firing}`,
);

report({
  benchmark: 'alerts',
  rules: RULES,
  events: EVENTS,
  streamRate: RATE,
  batchSize: BATCH,
  engineNsPerEvent: round(engineNs, 1),
  bareNsPerEvent: round(bareNs, 1),
  keyedBareNsPerEvent: round(keyedNs, 1),
  ratio: round(engineNs / bareNs, 2),
  ratioToKeyed: round(engineNs / keyedNs, 2),
  engineEventsPerSec: round(engineRate),
  coreShareAt100k: round((engineNs * RATE) / 1e9, 4),
  firingAtEnd: firing,
  evaluationsPerEvent: round(evaluations / (EVENTS * run), 3),
  target: TARGET_RATIO,
  targetOf: 'ratioToKeyed',
  pass: engineNs / keyedNs <= TARGET_RATIO && Math.abs(evaluations / (EVENTS * run) - 1) < 1e-9,
});
