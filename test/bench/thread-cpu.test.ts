import { platform } from 'node:os';
import { describe, expect, it } from 'vitest';
import { otherThreadsShare, threadTicks } from '../../bench/thread-cpu.js';

describe('thread CPU', () => {
  it('splits the CPU between the busiest threads and the rest', () => {
    const from = new Map([
      ['1', 100],
      ['2', 0],
      ['3', 50],
      ['4', 10],
    ]);
    // Thread 5 started in between; thread 4 ended.
    const to = new Map([
      ['1', 130],
      ['2', 90],
      ['3', 130],
      ['5', 15],
    ]);
    // Used: 30, 90, 80, 15 → the two busiest 170, the rest 45.
    expect(otherThreadsShare(from, to, 2)).toBeCloseTo(45 / 170);
    expect(otherThreadsShare(from, to, 1)).toBeCloseTo(125 / 90);
  });

  it("reads each thread's CPU time where Linux's /proc gives it, and this thread's grows as it works", () => {
    const before = threadTicks();
    if (platform() !== 'linux') {
      expect(before).toBeUndefined();
      return;
    }
    const self = String(process.pid);
    expect(before?.get(self)).toBeGreaterThanOrEqual(0);
    const end = performance.now() + 300;
    while (performance.now() < end); // busy, on this thread
    expect(threadTicks()?.get(self)).toBeGreaterThan(before!.get(self)!);
  });
});
