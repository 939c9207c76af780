import { describe, expect, it } from 'vitest';
import {
  avg,
  boundedOutOfOrderness,
  count,
  type Duration,
  first,
  last,
  pipeline,
  session,
  type WatermarkStrategy,
} from '../../../src/engine/index.js';
import { PipelineTest } from '../../../src/testing/index.js';

interface PageView {
  user: string;
  ts: number;
  page?: string;
  ms?: number;
}

const view = (user: string, ts: number, page?: string, ms?: number): PageView => ({ user, ts, page, ms });

/** Page views per user session (gap 5s by default); late views go to `late-views`. */
const sessions = (options: { gap?: Duration; lateness?: Duration; watermark?: WatermarkStrategy } = {}) => {
  const p = pipeline('sessions');
  const results = p
    .source<PageView>('views', { time: (v) => v.ts, watermark: options.watermark })
    .keyBy((v) => v.user)
    .window(session(options.gap ?? '5s'), { lateness: options.lateness, name: 'visits' })
    .aggregate({ views: count() });
  results.sink('visits');
  results.late().sink('late-views');
  return new PipelineTest(p);
};

describe('session windows', () => {
  // event time   0s   1s  3s       8s         14s       19s
  // user a            x   x                    x
  // sessions          [1s ......... 8s)        [14s ..... 19s)     gap 5s after the last view
  // watermark                                  ^ 13.999s >= 8s-1ms: fires [1s,8s)
  it('group records closer than the gap, and fire once the gap has passed', () => {
    const t = sessions();
    t.push('views', [view('a', 1_000), view('a', 3_000)]);
    expect(t.values('visits')).toEqual([]);

    t.push('views', [view('a', 14_000)]);
    expect(t.values('visits')).toEqual([{ key: 'a', start: 1_000, end: 8_000, views: 2 }]);

    t.push('views', [view('b', 30_000)]);
    expect(t.values('visits')).toEqual([
      { key: 'a', start: 1_000, end: 8_000, views: 2 },
      { key: 'a', start: 14_000, end: 19_000, views: 1 },
    ]);
  });

  // event time   0s   1s              6s         11s
  // user a            x [1s ...... 6s) x(6s) [6s ...... 11s)     exactly the gap later: a new session
  // user b            x [1s ...... 6s)x(5.999s)  -> [1s ... 10.999s)   just under: the same session
  // watermark                                                 ^ 59.999s: all three fire, by end
  it('a record exactly the gap after the last one starts a new session; one just under does not', () => {
    const t = sessions();
    t.push('views', [view('a', 1_000), view('a', 6_000), view('b', 1_000), view('b', 5_999)]);
    t.push('views', [view('c', 60_000)]);
    expect(t.values('visits')).toEqual([
      { key: 'a', start: 1_000, end: 6_000, views: 1 },
      { key: 'b', start: 1_000, end: 10_999, views: 2 },
      { key: 'a', start: 6_000, end: 11_000, views: 1 },
    ]);
  });

  // event time   0s   1s     5.5s 6s     10s  10.5s     15s            bound 20s: all on time
  // user a            x [1s ..... 6s)     x [10s ........ 15s)
  // arrives late            x(5.5s) [5.5s ..... 10.5s) overlaps both: one session [1s,15s)
  it('a record that overlaps two sessions merges them into one', () => {
    const t = sessions({ watermark: boundedOutOfOrderness('20s') });
    t.push('views', [view('a', 1_000)]);
    t.push('views', [view('a', 10_000)]);
    t.push('views', [view('a', 5_500)]);
    t.push('views', [view('b', 40_000)]);
    expect(t.values('visits')).toEqual([{ key: 'a', start: 1_000, end: 15_000, views: 3 }]);
  });

  // event time   0s   1s        5.5s       10s       15s
  // user a            x(home)    x(cart)    x(checkout)          arrival: checkout, home, cart
  // merged       [1s ................................ 15s)  first = home, last = checkout
  it('merge accumulators, so order-sensitive aggregations follow event time', () => {
    const p = pipeline('journeys');
    p.source<PageView>('views', { time: (v) => v.ts, watermark: boundedOutOfOrderness('20s') })
      .keyBy((v) => v.user)
      .window(session('5s'))
      .aggregate({ entry: first((v) => v.page), exit: last((v) => v.page), meanMs: avg((v) => v.ms!) })
      .sink('journeys');
    const t = new PipelineTest(p);
    t.push('views', [view('a', 10_000, 'checkout', 300)]);
    t.push('views', [view('a', 1_000, 'home', 100)]);
    t.push('views', [view('a', 5_500, 'cart', 200)]);
    t.push('views', [view('b', 40_000, 'home', 1)]);
    expect(t.values('journeys')).toEqual([
      { key: 'a', start: 1_000, end: 15_000, entry: 'home', exit: 'checkout', meanMs: 200 },
    ]);
  });
});

/** `+` for a result, `-` for the retraction of one emitted earlier: `-a [1000,6000) 1`. */
const rows = (t: PipelineTest, sink = 'visits') =>
  t.records<{ key: string; start: number; end: number; views: number }>(sink).map((r) => {
    const { key, start, end, views } = r.value;
    return `${r.retract ? '-' : '+'}${key} [${start},${end}) ${views}`;
  });

describe('late records in session windows', () => {
  // event time   0s  1s      6s   8s       13s            20s
  // user a           [1s ... 6s)  [8s .... 13s)            x(20s): W = 19.999s fires both
  // late, within lateness 20s:
  //                      x(5s) [5s .. 10s) bridges them: [1s,13s) with 3 views, emitted at once
  //               x(0.1s) [0.1s .. 5.1s) extends it back: [0.1s,13s) with 4 views
  // watermark 39.999s: the session is purged (12.999s + 20s); a view at 2s is then late
  it('within allowed lateness a record updates, or merges, fired sessions; after it, it is late', () => {
    const t = sessions({ lateness: '20s' });
    t.push('views', [view('a', 1_000), view('a', 8_000)]);
    t.push('views', [view('a', 20_000)]);
    expect(rows(t)).toEqual(['+a [1000,6000) 1', '+a [8000,13000) 1']);

    t.push('views', [view('a', 5_000)]);
    t.push('views', [view('a', 100)]);
    expect(rows(t).slice(2)).toEqual([
      // The rows emitted before are withdrawn, then the session that replaces them comes.
      '-a [1000,6000) 1',
      '-a [8000,13000) 1',
      '+a [1000,13000) 3',
      '-a [1000,13000) 3',
      '+a [100,13000) 4',
    ]);

    t.push('views', [view('a', 40_000)]);
    t.push('views', [view('a', 2_000)]);
    expect(rows(t).slice(7)).toEqual(['+a [20000,25000) 1']);
    expect(t.values('late-views')).toEqual([view('a', 2_000)]);
  });

  // event time   0s        12s       17s  20s
  // user b                  x(12s) [12s .... 17s)       arrives at W = 19.999s, lateness 10s
  // the session is already past its end (16.999s <= W) but within lateness: emitted at once
  it('a record within lateness that opens a session of its own is emitted at once', () => {
    const t = sessions({ lateness: '10s' });
    t.push('views', [view('a', 20_000)]);
    t.push('views', [view('b', 12_000)]);
    expect(t.values('visits')).toEqual([{ key: 'b', start: 12_000, end: 17_000, views: 1 }]);
  });

  // event time   0s   1s       6s             20s
  // user a            [1s .... 6s)             x(20s): W = 19.999s, no lateness: fired and gone
  // late              x(2s): its own session [2s,7s) closed long ago: late
  it('without lateness, a record for a closed session is late', () => {
    const t = sessions();
    t.push('views', [view('a', 1_000)]);
    t.push('views', [view('a', 20_000)]);
    t.push('views', [view('a', 2_000)]);
    expect(t.values('visits')).toEqual([{ key: 'a', start: 1_000, end: 6_000, views: 1 }]);
    expect(t.lateEvents.map((e) => [e.operator, e.value, e.watermark])).toEqual([
      ['visits', view('a', 2_000), 19_999],
    ]);
  });
});

describe('retractions of session results', () => {
  // event time   0s  1s      6s        13s            20s
  // user a           [1s ... 6s)                        x(20s): W = 19.999s fires [1s,6s)
  // late, within lateness 20s, one batch:
  //                  x(3s) [3s .. 8s): [1s,8s) is past W: updated at once
  //                  x(2s) lands in it: still [1s,8s)
  it('a fired session that grows is withdrawn once, then emitted with its new bounds', () => {
    const t = sessions({ lateness: '20s' });
    t.push('views', [view('a', 1_000)]);
    t.push('views', [view('a', 20_000)]);
    t.push('views', [view('a', 3_000), view('a', 2_000)]);
    expect(rows(t)).toEqual(['+a [1000,6000) 1', '-a [1000,6000) 1', '+a [1000,8000) 3']);
    // The retraction is timed like the row it withdraws.
    expect(t.records('visits').map((r) => r.timestamp)).toEqual([5_999, 5_999, 7_999]);
  });

  // event time   1s     4s  6s        9s                bound 5s
  // user a       [1s ...... 6s)                          b@13s: W = 7.999s fires [1s,6s)
  // late:               x(4s) [4s ..... 9s): [1s,9s) ends after W: not due yet, nothing now
  // user b                                               b@20s: W = 14.999s fires [1s,9s),
  //                                                      withdrawing [1s,6s) in the same batch
  it('a fired session extended past the watermark is withdrawn when its new row fires', () => {
    const t = sessions({ lateness: '20s', watermark: boundedOutOfOrderness('5s') });
    t.push('views', [view('a', 1_000)]);
    t.push('views', [view('b', 13_000)]);
    expect(rows(t)).toEqual(['+a [1000,6000) 1']);
    t.push('views', [view('a', 4_000)]);
    expect(rows(t)).toEqual(['+a [1000,6000) 1']);

    t.push('views', [view('b', 20_000)]);
    expect(rows(t).slice(1)).toEqual(['-a [1000,6000) 1', '+a [1000,9000) 2']);
  });

  it('sessions that merge before they fire withdraw nothing', () => {
    const t = sessions({ watermark: boundedOutOfOrderness('20s') });
    t.push('views', [view('a', 1_000)]);
    t.push('views', [view('a', 10_000)]);
    t.push('views', [view('a', 5_500)]);
    t.push('views', [view('b', 40_000)]);
    expect(rows(t)).toEqual(['+a [1000,15000) 3']);
  });

  // As the first test of late records, with a restart between the fired sessions and the
  // record that bridges them: the checkpoint holds what was emitted, to withdraw it later.
  it('a restored job withdraws the rows emitted before the checkpoint', () => {
    const t = sessions({ lateness: '20s' });
    t.push('views', [view('a', 1_000), view('a', 8_000)]);
    t.push('views', [view('a', 20_000)]);
    t.restore(t.snapshot());
    t.push('views', [view('a', 5_000)]);
    expect(rows(t).slice(2)).toEqual(['-a [1000,6000) 1', '-a [8000,13000) 1', '+a [1000,13000) 3']);
  });
});

describe('session windows in a checkpoint', () => {
  // event time   0s   1s   4s        9s              20s
  // user a            x  | x(4s)                     x(20s)
  //                checkpoint, restore
  // sessions          [1s ...... 9s)                 the restored session takes the view at 4s
  it('a restored job goes on growing the sessions the checkpoint held open', () => {
    const t = sessions();
    t.push('views', [view('a', 1_000)]);
    t.restore(t.snapshot());
    t.push('views', [view('a', 4_000)]);
    t.push('views', [view('a', 20_000)]);
    expect(t.values('visits')).toEqual([{ key: 'a', start: 1_000, end: 9_000, views: 2 }]);
  });
});
