/**
 * The expression language of YAML pipelines (CEL, compiled once) against the same logic as
 * hand-written JavaScript functions, evaluated over the same records in the same run:
 *
 * - predicate: `user != null && price > 10.0` (a `filter`), about 60 % true;
 * - map: `{'user': user, 'cents': price * 100.0}` (a `map` building a new record).
 *
 * Target: the predicate evaluates at 1 M records/s or more, above what JSON decoding
 * delivers on one core (~0.85 M events/s), so expressions do not bound a YAML pipeline.
 */
import { compileExpression } from '../src/config/index.js';
import { compare, info, random, report, round, scaled } from './harness.js';

interface Order {
  user: string | null;
  price: number;
  quantity: number;
  region: string;
}

const EVENTS = scaled(2_000_000);
const TARGET_EVENTS_PER_SEC = 1_000_000;
const PREDICATE = 'user != null && price > 10.0';
const MAP = "{'user': user, 'cents': price * 100.0}";

const generate = (): Order[] => {
  const rand = random(11);
  const users = Array.from({ length: 1_000 }, (_, k) => `user-${k}`);
  const regions = ['eu', 'us', 'ap'];
  const events: Order[] = new Array(EVENTS);
  for (let i = 0; i < EVENTS; i++) {
    events[i] = {
      user: rand() < 0.1 ? null : users[Math.floor(rand() * users.length)],
      price: Math.round(rand() * 2_500) / 100,
      quantity: 1 + Math.floor(rand() * 5),
      region: regions[Math.floor(rand() * regions.length)],
    };
  }
  return events;
};

const countMatches = (events: Order[], predicate: (e: Order) => boolean): number => {
  let n = 0;
  for (let i = 0; i < events.length; i++) if (predicate(events[i])) n++;
  return n;
};

/** Sum of the mapped cents, so that both sides must really build their records. */
const sumMapped = (events: Order[], fn: (e: Order) => { cents: number }): number => {
  let total = 0;
  for (let i = 0; i < events.length; i++) total += fn(events[i]).cents;
  return total;
};

info(`expressions: generating ${EVENTS} records`);
const events = generate();

const celPredicate = compileExpression<boolean>(PREDICATE, { use: 'bool', label: 'filter' }).evaluate;
const jsPredicate = (e: Order): boolean => e.user != null && e.price > 10;
info(`  predicate ${PREDICATE}`);
const predicate = compare(
  EVENTS,
  () => countMatches(events, jsPredicate),
  () => countMatches(events, celPredicate),
);

const celMap = compileExpression<{ cents: number }>(MAP, { label: 'map' }).evaluate;
const jsMap = (e: Order) => ({ user: e.user, cents: e.price * 100 });
info(`  map ${MAP}`);
const map = compare(
  EVENTS,
  () => sumMapped(events, jsMap),
  () => sumMapped(events, celMap),
);

const resultsMatch =
  predicate.engineResult === predicate.bareResult && Math.abs(map.engineResult - map.bareResult) < 1e-6;
report({
  benchmark: 'expressions',
  events: EVENTS,
  predicate: PREDICATE,
  predicateEventsPerSec: round(predicate.engineRate),
  predicateBaselineEventsPerSec: round(predicate.bareRate),
  predicateRatio: round(predicate.engineRate / predicate.bareRate, 3),
  map: MAP,
  mapEventsPerSec: round(map.engineRate),
  mapBaselineEventsPerSec: round(map.bareRate),
  mapRatio: round(map.engineRate / map.bareRate, 3),
  matched: predicate.engineResult,
  target: TARGET_EVENTS_PER_SEC,
  targetOf: 'predicateEventsPerSec',
  resultsMatch,
  pass: resultsMatch && predicate.engineRate >= TARGET_EVENTS_PER_SEC,
});
