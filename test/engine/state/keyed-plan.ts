/**
 * A pipeline with every operator that keeps keyed state, and random readings for it: for the
 * properties of keyed state (checkpoints by key group, keys moving between jobs).
 */
import fc from 'fast-check';
import { count, sum } from '../../../src/engine/aggregators/index.js';
import { pipeline } from '../../../src/engine/plan/builder.js';
import type { Plan } from '../../../src/engine/plan/plan.js';
import { boundedOutOfOrderness } from '../../../src/engine/time/watermarks.js';
import { hopping, session, tumbling } from '../../../src/engine/windows/assigners.js';

export interface Reading {
  readonly key: string;
  readonly v: number;
}

/** Readings from source `readings`, keyed by `key`, watermark `bound` ms behind the latest. */
export const keyedPlan = (bound: number): Plan => {
  const p = pipeline('keyed');
  const keyed = p
    .source<Reading>('readings', { watermark: boundedOutOfOrderness(bound) })
    .keyBy((r) => r.key);
  keyed
    .window(tumbling(10), { lateness: 5, name: 'tumbling' })
    .aggregate({ n: count(), total: sum((r: Reading) => r.v) })
    .sink('tumbling');
  keyed.window(hopping(12, 4), { name: 'hopping' }).aggregate({ n: count() }).sink('hopping');
  keyed.window(session(4), { name: 'sessions' }).aggregate({ n: count() }).sink('sessions');
  // With lateness, fired sessions stay until purged and take late records: retractions.
  keyed
    .window(session(4), { lateness: 3, name: 'late-sessions' })
    .aggregate({ n: count(), total: sum((r: Reading) => r.v) })
    .sink('late-sessions');
  keyed.dedupe(5, { name: 'once' }).sink('deduped');
  keyed
    .process<{ n: number; at: number }, { n: number }>(
      {
        onEvent(_r, ctx) {
          ctx.state.set({ n: (ctx.state.get()?.n ?? 0) + 1 });
          ctx.timers.atEventTime(ctx.timestamp + 6);
        },
        onTimer(time, ctx) {
          ctx.emit({ n: ctx.state.get()?.n ?? 0, at: time });
          ctx.state.clear();
        },
      },
      { name: 'counter' },
    )
    .sink('counted');
  keyed
    .intervalJoin(keyed, { lower: -3, upper: 3 }, (l, r) => `${l.v}+${r.v}`, { name: 'pairs' })
    .sink('pairs');
  return p.build();
};

export const KEYED_SINKS = [
  'tumbling',
  'hopping',
  'sessions',
  'late-sessions',
  'deduped',
  'counted',
  'pairs',
];

/**
 * A random reading of one of `keys`, with how far the stream's clock moves on before it, how
 * far its time lies from that clock (mostly behind: out of order, sometimes late), and
 * whether it starts a new batch.
 */
export const readingFields = (keys: readonly string[]) => ({
  key: fc.constantFrom(...keys),
  v: fc.integer({ min: -9, max: 9 }),
  advance: fc.integer({ min: 0, max: 5 }),
  jitter: fc.integer({ min: -12, max: 3 }),
  cut: fc.nat({ max: 2 }).map((n) => n === 0),
});
