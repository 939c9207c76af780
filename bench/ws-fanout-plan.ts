/**
 * The pipeline of `ws-fanout`, in a module of its own: the worker thread builds its plan
 * from it (a recipe names it), as it would from a user's module.
 */
import { avg, count, pipeline, tumbling } from '../src/index.js';

/** One window closes per tick of the feed: a few results per second, one frame each. */
export const WINDOW_MS = 500;
export const SERIES = 'sensor-means';

export interface Reading {
  readonly sensor: string;
  readonly value: number;
  readonly ts: number;
}

export const sensorMeans = pipeline(SERIES)
  .source<Reading>('readings', { time: (r) => r.ts })
  .keyBy((r) => r.sensor)
  .window(tumbling(WINDOW_MS), { name: 'per-sensor' })
  .aggregate({ readings: count(), mean: avg((r: Reading) => r.value) })
  .sink(SERIES)
  .build();
