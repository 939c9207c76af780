/** The dashboard's bounded history, on its own: what keeps a page open for days from growing. */
import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../../web/src/lib/ring-buffer.js';

describe('RingBuffer', () => {
  it('keeps the latest items, oldest first, and never more than its capacity', () => {
    const ring = new RingBuffer<number>(3);
    expect(ring.toArray()).toEqual([]);
    ring.push(1);
    ring.push(2);
    expect(ring.toArray()).toEqual([1, 2]);
    for (let i = 3; i <= 10; i++) ring.push(i);
    expect(ring.length).toBe(3);
    expect(ring.toArray()).toEqual([8, 9, 10]);
    expect([ring.first(), ring.last(), ring.at(1), ring.at(-1), ring.at(3)]).toEqual([
      8,
      10,
      9,
      10,
      undefined,
    ]);
    expect(ring.map((x) => x * 2)).toEqual([16, 18, 20]);
  });

  it('holds the same length after a million pushes', () => {
    const ring = new RingBuffer<[number, number]>(600);
    for (let i = 0; i < 1_000_000; i++) ring.push([i, i]);
    expect(ring.length).toBe(600);
    expect(ring.first()).toEqual([999_400, 999_400]);
    ring.clear();
    expect(ring.length).toBe(0);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
    expect(() => new RingBuffer(1.5)).toThrow(RangeError);
  });
});
