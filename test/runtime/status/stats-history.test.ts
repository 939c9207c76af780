import { describe, expect, it } from 'vitest';
import type { PlatformStats } from '../../../src/contract/index.js';
import { StatsRecorder } from '../../../src/runtime/status/stats-history.js';

const stats = (eventsInPerSec: number): PlatformStats => ({
  eventsInPerSec,
  eventsOutPerSec: 0,
  activeSources: 1,
  latencyMs: { p50: null, p99: null },
  deadLettered: 0,
  lateEvents: 0,
  uptimeSec: 1,
});

describe('the recent stats', () => {
  it('keep the last 600 samples, oldest first', () => {
    const recorder = new StatsRecorder();
    expect(recorder.history()).toEqual({ samples: [] });
    for (let i = 0; i < 3; i++) recorder.record(1_000 * i, stats(i));
    expect(recorder.history().samples.map((s) => [s.at, s.eventsInPerSec])).toEqual([
      [0, 0],
      [1_000, 1],
      [2_000, 2],
    ]);
    for (let i = 3; i < 605; i++) recorder.record(1_000 * i, stats(i));
    const { samples } = recorder.history();
    expect(samples).toHaveLength(600);
    expect(samples[0].eventsInPerSec).toBe(5);
    expect(samples.at(-1)).toEqual({ at: 604_000, ...stats(604) });
  });
});
