import { describe, expect, it } from 'vitest';
import { RateMeter } from '../../src/runtime/rate-meter.js';

describe('RateMeter', () => {
  it('averages the last complete seconds, leaving out the running one', () => {
    let now = 10_000;
    const meter = new RateMeter(5, () => now);
    for (let second = 0; second < 8; second++) {
      meter.add(100 * (second + 1));
      now += 1_000;
    }
    // Seconds 4..8 of the window held 400, 500, 600, 700, 800.
    expect(meter.perSecond()).toBe(600);
    meter.add(10_000); // the running second does not count yet
    expect(meter.perSecond()).toBe(600);
    expect(meter.count).toBe(3_600 + 10_000);
  });

  it('covers only the seconds since it started while younger than its window', () => {
    let now = 0;
    const meter = new RateMeter(5, () => now);
    expect(meter.perSecond()).toBe(0);
    meter.add(300);
    now = 1_000;
    meter.add(300);
    now = 2_000;
    expect(meter.perSecond()).toBe(300);
  });

  it('forgets seconds that passed without counts', () => {
    let now = 0;
    const meter = new RateMeter(5, () => now);
    meter.add(500);
    now = 60_000;
    expect(meter.perSecond()).toBe(0);
  });
});
