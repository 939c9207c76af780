import { describe, expect, it } from 'vitest';
import { count, pipeline, tumbling } from '../../src/engine/index.js';
import { PipelineTest } from '../../src/testing/index.js';

interface Click {
  user: string;
  ts: number;
}

/** Clicks per user in 10 s windows; late clicks go to `late-clicks`. */
const clicksPerUser = () => {
  const p = pipeline('clicks');
  const counts = p
    .source<Click>('clicks', { time: (c) => c.ts })
    .validate((c) => (c.user ? undefined : 'a click needs a user'))
    .keyBy((c) => c.user)
    .window(tumbling('10s'))
    .aggregate({ clicks: count() });
  counts.sink('counts');
  counts.late().sink('late-clicks');
  return new PipelineTest(p);
};

describe('PipelineTest', () => {
  // event time   0s   4s                        end of input
  // user a       x    x                         [0s,10s) fires with 2 clicks
  it('endOfInput() fires the windows still open, as a bounded input ends', () => {
    const t = clicksPerUser();
    t.push('clicks', [
      { user: 'a', ts: 0 },
      { user: 'a', ts: 4_000 },
    ]);
    expect(t.values('counts')).toEqual([]);

    t.endOfInput();
    expect(t.values('counts')).toEqual([{ key: 'a', start: 0, end: 10_000, clicks: 2 }]);
    expect(() => t.push('clicks', [{ user: 'a', ts: 5_000 }])).toThrow('after endOfInput()');
  });

  it('a push can carry source positions, which dead letters and late records keep', () => {
    const t = clicksPerUser();
    const at = (offset: number) => ({ topic: 'clicks', partition: 3, offset });
    t.push('clicks', [{ user: 'a', ts: 20_000 }], { positions: [at(41)] });
    t.push(
      'clicks',
      [
        { user: '', ts: 21_000 },
        { user: 'a', ts: 1_000 },
      ],
      { positions: [at(42), at(43)] },
    );
    expect(t.deadLetters.map((d) => d.position)).toEqual([at(42)]);
    expect(t.lateEvents.map((e) => e.position)).toEqual([at(43)]);
    expect(t.records('late-clicks')).toEqual([
      { value: { user: 'a', ts: 1_000 }, timestamp: 1_000, key: 'a', position: at(43) },
    ]);
  });

  it('pushRecords takes a position per record', () => {
    const t = clicksPerUser();
    t.pushRecords('clicks', [
      { value: { user: '', ts: 0 }, timestamp: 0, position: { topic: 'clicks', partition: 0, offset: 7 } },
      { value: { user: 'b', ts: 0 }, timestamp: 0 },
    ]);
    expect(t.deadLetters.map((d) => d.position)).toEqual([{ topic: 'clicks', partition: 0, offset: 7 }]);
  });
});
