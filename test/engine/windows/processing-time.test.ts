import { describe, expect, it } from 'vitest';
import {
  count,
  hopping,
  pipeline,
  session,
  tumbling,
  type WindowAssigner,
} from '../../../src/engine/index.js';
import { PipelineTest } from '../../../src/testing/index.js';

/** Requests per endpoint, in windows of the machine's clock rather than of event time. */
const requestsPer = (assigner: WindowAssigner) =>
  new PipelineTest(
    pipeline('requests')
      .source<string>('requests')
      .keyBy((endpoint) => endpoint)
      .window(assigner, { time: 'processing', name: 'per-endpoint' })
      .aggregate({ requests: count() })
      .sink('counts'),
    { now: 0 },
  );

describe('processing-time windows', () => {
  // processing time  0s        5s        10s       15s
  // /home             x x       x         |                windows by the clock: [0s,10s)
  // clock                                 ^ reaches 10s: fires [0s,10s) with 3 requests
  it('assign records by the clock and fire when the clock passes the window end', () => {
    const t = requestsPer(tumbling('10s'));
    t.push('requests', ['/home', '/home']);
    t.advance('5s');
    t.push('requests', ['/home']);
    t.advance('4999ms');
    expect(t.values('counts')).toEqual([]);

    t.advance('1ms');
    expect(t.values('counts')).toEqual([{ key: '/home', start: 0, end: 10_000, requests: 3 }]);
  });

  // processing time  0s        10s       20s
  // clock                      | x (now 12s; the record says 1s: ignored)
  // window                     [10s ....... 20s)   fires when the clock reaches 20s
  it('ignore the event time the records carry, and never call anything late', () => {
    const t = requestsPer(tumbling('10s'));
    t.advance('12s');
    t.push('requests', ['/cart'], { timestamps: [1_000] });
    t.advance('8s');
    expect(t.values('counts')).toEqual([{ key: '/cart', start: 10_000, end: 20_000, requests: 1 }]);
    expect(t.lateEvents).toEqual([]);
  });

  // processing time  0s        10s       20s
  // /home             x         |                        the watermark from event times
  // event time                            x(60s)        moves far ahead: no effect here
  it('do not fire on event-time watermarks, only on the clock', () => {
    const t = requestsPer(tumbling('10s'));
    t.push('requests', ['/home']);
    t.push('requests', ['/home'], { timestamps: [60_000] });
    expect(t.values('counts')).toEqual([]);

    t.advance('10s');
    expect(t.values('counts')).toEqual([{ key: '/home', start: 0, end: 10_000, requests: 2 }]);
  });

  // processing time -5s     0s   3s  5s        10s
  // windows          [-5s ........... 5s)
  //                          [0s ............. 10s)
  // /home                         x(3s)
  // clock                                         ^ 10s: both windows of the request have fired
  it('hopping windows fire each window as the clock passes its end', () => {
    const t = requestsPer(hopping('10s', '5s'));
    t.advance('3s');
    t.push('requests', ['/home']);
    t.advance('7s');
    expect(t.values('counts')).toEqual([
      { key: '/home', start: -5_000, end: 5_000, requests: 1 },
      { key: '/home', start: 0, end: 10_000, requests: 1 },
    ]);
  });

  // processing time  0s   2s        4s             9s
  // /cart            x    x         .              |      gap 5s of the clock after the last request
  // session          [0s ............... 7s)            fires when the clock reaches 7s
  it('session windows close after a gap of the clock', () => {
    const t = requestsPer(session('5s'));
    t.push('requests', ['/cart']);
    t.advance('2s');
    t.push('requests', ['/cart']);
    t.advance('4s');
    expect(t.values('counts')).toEqual([]);

    t.advance('1s');
    expect(t.values('counts')).toEqual([{ key: '/cart', start: 0, end: 7_000, requests: 2 }]);
  });
});
