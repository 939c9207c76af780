/**
 * The click stream of the Kafka benchmarks, shaped like the seed documents' click events:
 * `{"user_id":"u123","page":"/p/7","timestamp":1767225600600}` (event time in ms).
 *
 * A backlog of a steady stream: 200 users, one click every 0.6 ms of event time
 * (≈ 1,667 clicks/s), so a 10 s window holds ≈ 16,700 clicks, ≈ 83 per user, and 1 M clicks
 * span 10 minutes. Event time only advances, and a user's clicks share a partition (the
 * record key is the user), so every partition is in event-time order.
 */
import { random } from '../harness.js';

export const USERS = 200;
export const PAGES = 50;
/** 2026-01-01T00:00:00Z: fixed, so that every run sees the same windows. */
export const FIRST_TIMESTAMP = 1_767_225_600_000;

export interface Click {
  readonly user_id: string;
  readonly page: string;
  readonly timestamp: number;
}

/** The `i`-th click's event time: 0.6 ms apart, in whole milliseconds. */
export const clickTime = (i: number): number => FIRST_TIMESTAMP + Math.floor((i * 3) / 5);

/** The same clicks for the same seed, one at a time (a large run does not fit in memory as objects). */
export const clicks = function* (count: number, seed = 20260101): Generator<Click> {
  const next = random(seed);
  for (let i = 0; i < count; i++) {
    yield {
      user_id: `u${Math.floor(next() * USERS)}`,
      page: `/p/${Math.floor(next() * PAGES)}`,
      timestamp: clickTime(i),
    };
  }
};

/** The click as its JSON text: the fields in the seeds' order, as a producer would write them. */
export const clickJson = (click: Click): string =>
  `{"user_id":"${click.user_id}","page":"${click.page}","timestamp":${click.timestamp}}`;
