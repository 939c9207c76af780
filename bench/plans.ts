/**
 * The pipelines of the benchmarks that run a whole platform (`parallel-pipelines`,
 * `healthz-under-load`), in a module of their own: worker threads build their plans from it
 * (a recipe names it), as they would from a user's module.
 */
import { count, distinctCount, pipeline, tumbling } from '../src/index.js';

interface Click {
  readonly user: string;
  readonly page: string;
  readonly ts: number;
}

const perUser = (name: string, topic: string) =>
  pipeline(name)
    .source<Click>(topic, { time: (c) => c.ts })
    .keyBy((c) => c.user)
    .window(tumbling('1m'), { name: 'per-user' })
    .aggregate({ clicks: count(), pages: distinctCount((c: Click) => c.page) })
    .sink(name)
    .build();

export const first = perUser('first', 'clicks-a');
export const second = perUser('second', 'clicks-b');

interface Reading {
  readonly key: string;
  readonly value: number;
  readonly ts: number;
}

/** `healthz-under-load`: one 10-second window per key, all of them closed by one record. */
export const perKey = pipeline('per-key')
  .source<Reading>('readings', { time: (r) => r.ts })
  .keyBy((r) => r.key)
  .window(tumbling('10s'), { name: 'per-key' })
  .aggregate({ readings: count() })
  .sink('per-key')
  .build();
