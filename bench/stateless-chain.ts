/**
 * map → filter → map through the engine against the same three functions fused into one
 * hand-written loop, on one core. The first map parses a raw access-log record, the filter
 * keeps successful requests (about half), the last map projects two fields.
 */
import { pipeline } from '../src/index.js';
import {
  compare,
  type InputBatch,
  info,
  random,
  report,
  round,
  runJob,
  sameTotals,
  scaled,
  toBatches,
} from './harness.js';

/** A raw access-log record, as a decoder might hand it over: short names, status as text. */
interface RawHit {
  u: string;
  p: string;
  s: string;
  b: number;
  t: number;
}

interface Hit {
  user: string;
  path: string;
  status: number;
  bytes: number;
  ts: number;
}

interface Projected {
  user: string;
  kb: number;
}

const EVENTS = scaled(10_000_000);
const TARGET_EVENTS_PER_SEC = 5_000_000;
const STATUSES = ['200', '200', '204', '304', '404', '500', '301', '403'];

const parse = (r: RawHit): Hit => ({ user: r.u, path: r.p, status: Number(r.s), bytes: r.b, ts: r.t });
const succeeded = (h: Hit): boolean => h.status < 400 && h.status !== 301;
const project = (h: Hit): Projected => ({ user: h.user, kb: h.bytes / 1024 });

const generate = (): RawHit[] => {
  const rand = random(7);
  const users = Array.from({ length: 10_000 }, (_, k) => `user-${k}`);
  const paths = Array.from({ length: 200 }, (_, k) => `/page/${k}`);
  const t0 = Date.UTC(2025, 0, 1);
  const events: RawHit[] = new Array(EVENTS);
  for (let i = 0; i < EVENTS; i++) {
    events[i] = {
      u: users[Math.floor(rand() * users.length)],
      p: paths[Math.floor(rand() * paths.length)],
      s: STATUSES[Math.floor(rand() * STATUSES.length)],
      b: Math.floor(rand() * 100_000),
      t: t0 + Math.floor(i / 100),
    };
  }
  return events;
};

interface Totals {
  kept: number;
  kb: number;
}

const consume = (totals: Totals, values: readonly Projected[]): void => {
  for (let i = 0; i < values.length; i++) {
    totals.kept++;
    totals.kb += values[i].kb;
  }
};

const plan = pipeline('stateless-chain')
  .source<RawHit>('hits')
  .map(parse)
  .filter(succeeded)
  .map(project)
  .sink('out')
  .build();

const runEngine = (batches: InputBatch<RawHit>[]): Totals => {
  const totals: Totals = { kept: 0, kb: 0 };
  runJob(plan, 'hits', batches, (values) => consume(totals, values as Projected[]));
  return totals;
};

const runBare = (batches: InputBatch<RawHit>[]): Totals => {
  const totals: Totals = { kept: 0, kb: 0 };
  for (let b = 0; b < batches.length; b++) {
    const values = batches[b].values;
    const out: Projected[] = [];
    for (let i = 0; i < values.length; i++) {
      const hit = parse(values[i]);
      if (succeeded(hit)) out.push(project(hit));
    }
    consume(totals, out);
  }
  return totals;
};

info(`stateless-chain: generating ${EVENTS} events`);
const batches = toBatches(generate(), (e) => e.t);
info(`  ${batches.length} batches of up to ${batches[0].values.length}`);

const result = compare(
  EVENTS,
  () => runBare(batches),
  () => runEngine(batches),
);
const { engineResult: engine, bareResult: bare } = result;
const resultsMatch = sameTotals(engine, bare);
report({
  benchmark: 'stateless-chain',
  events: EVENTS,
  batchSize: batches[0].values.length,
  kept: engine.kept,
  engineEventsPerSec: round(result.engineRate),
  bareEventsPerSec: round(result.bareRate),
  ratio: round(result.engineRate / result.bareRate, 3),
  target: TARGET_EVENTS_PER_SEC,
  targetOf: 'engineEventsPerSec',
  resultsMatch,
  pass: resultsMatch && result.engineRate >= TARGET_EVENTS_PER_SEC,
});
