import { describe, expect, it } from 'vitest';
import { loadTime, saveTime } from '../../../src/engine/state/keyed-state.js';
import { TimerQueue } from '../../../src/engine/state/timer-queue.js';

/** Pops every timer due at or before `time`, as payloads. */
const drain = <P>(queue: TimerQueue<P>, time: number): P[] => {
  const out: P[] = [];
  for (let due = queue.popDue(time); due; due = queue.popDue(time)) out.push(due.payload);
  return out;
};

describe('TimerQueue', () => {
  it('pops timers in time order, only those due', () => {
    const queue = new TimerQueue<string>();
    for (const [time, name] of [
      [30, 'c'],
      [10, 'a'],
      [50, 'e'],
      [20, 'b'],
      [40, 'd'],
    ] as const)
      queue.push(time, name);
    expect(queue.peekTime()).toBe(10);
    expect(drain(queue, 35)).toEqual(['a', 'b', 'c']);
    expect(queue.size).toBe(2);
    expect(drain(queue, 100)).toEqual(['d', 'e']);
    expect(queue.peekTime()).toBe(Number.POSITIVE_INFINITY);
  });

  it('fires timers due at the same time in the order they were registered', () => {
    const queue = new TimerQueue<string>();
    const names = 'the quick brown fox jumps over the lazy dog'.split(' ');
    for (const name of names) queue.push(5, name);
    queue.push(1, 'first');
    expect(drain(queue, 5)).toEqual(['first', ...names]);
  });

  it('lists pending timers in firing order, without removing them', () => {
    const queue = new TimerQueue<string>();
    queue.push(2, 'x');
    queue.push(1, 'y');
    queue.push(2, 'z');
    expect(queue.entries()).toEqual([
      { time: 1, payload: 'y', seq: 1 },
      { time: 2, payload: 'x', seq: 0 },
      { time: 2, payload: 'z', seq: 2 },
    ]);
    expect(queue.size).toBe(3);
    queue.clear();
    expect(queue.size).toBe(0);
  });
});

describe('times in checkpoints', () => {
  it('infinite watermarks are saved as strings, since JSON has no Infinity', () => {
    for (const time of [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, 0, 1_700_000_000_000, -5]) {
      expect(loadTime(JSON.parse(JSON.stringify(saveTime(time))))).toBe(time);
    }
    expect(saveTime(Number.NEGATIVE_INFINITY)).toBe('-Infinity');
  });
});
