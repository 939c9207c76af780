import { describe, expect, it } from 'vitest';
import {
  compile,
  count,
  type JobSnapshot,
  monotonous,
  type Plan,
  pipeline,
  session,
  TributaryError,
  tumbling,
} from '../../../src/engine/index.js';
import { PipelineTest } from '../../../src/testing/index.js';
import { watermarkOf } from '../helpers.js';

interface Order {
  user: string;
  amount: number;
  ts: number;
}

const order = (user: string, amount: number, ts: number): Order => ({ user, amount, ts });

/** Paid orders per user in 10 s windows; `windowName` names the stateful operator. */
const ordersPerUser = (windowName = 'per-user') => {
  const p = pipeline('shop');
  p.source<Order>('orders', { time: (o) => o.ts })
    .filter((o) => o.amount > 0, { name: 'paid' })
    .keyBy((o) => o.user)
    .window(tumbling('10s'), { name: windowName })
    .aggregate({ orders: count() })
    .sink('totals');
  p.source<Order>('refunds').sink('refunds');
  return p.build();
};

const errorOf = (action: () => unknown): TributaryError => {
  try {
    action();
  } catch (error) {
    return error as TributaryError;
  }
  throw new Error('no error');
};

describe('compiling a plan', () => {
  it('gives a job that knows its sources', () => {
    expect(compile(ordersPerUser()).sourceNames).toEqual(['orders', 'refunds']);
  });

  it('refuses a plan whose node reads from a node it does not have', () => {
    const plan: Plan = {
      name: 'broken',
      nodes: [{ id: 'out', kind: 'sink', sink: 'out', inputs: [{ node: 'nowhere', port: 0 }] }],
    };
    expect(() => compile(plan)).toThrow('plan "broken": "out" reads from unknown node "nowhere"');
  });
});

describe('pushing to a job', () => {
  it('to a source it does not have: the error names the sources it has', () => {
    const error = errorOf(() => compile(ordersPerUser()).push('order', { values: [] }));
    expect(error).toBeInstanceOf(TributaryError);
    expect(error.code).toBe('TRB_UNKNOWN_SOURCE');
    expect(error.domain).toBe('user');
    expect(error.message).toBe('pipeline "shop" has no source "order"; its sources are "orders", "refunds"');
  });

  it('delivers to each sink by name; records without timestamps carry the clock time', () => {
    const t = new PipelineTest(ordersPerUser(), { now: 7 });
    t.push('refunds', [order('a', -5, 0)]);
    expect(t.records('refunds')).toEqual([{ value: order('a', -5, 0), timestamp: 7 }]);
    expect(t.records('totals')).toEqual([]);
  });
});

describe('stats', () => {
  // event time   0s        10s       13s
  // user a        x(5) x(0: unpaid)  | x(1)      then a@4s arrives late,
  // user b             x(7)          |           with an order of no user (dead-lettered)
  it('count records in and out, dead letters and late records, and show watermarks', () => {
    const t = new PipelineTest(ordersPerUser(), { now: 0 });
    t.push('orders', [order('a', 5, 1_000), order('a', 0, 2_000), order('b', 7, 3_000)]);
    t.push('orders', [order('a', 1, 12_000)]);
    t.push('orders', [order('a', 1, 4_000), { user: null, amount: 1, ts: 13_000 } as unknown as Order]);

    expect(t.job.stats()).toEqual([
      {
        id: 'source:orders',
        kind: 'source',
        recordsIn: 6,
        recordsOut: 6,
        deadLetters: 0,
        late: 0,
        watermark: -1,
      },
      {
        id: 'eventTime#1',
        kind: 'eventTime',
        recordsIn: 6,
        recordsOut: 6,
        deadLetters: 0,
        late: 0,
        watermark: 12_999,
      },
      { id: 'paid', kind: 'filter', recordsIn: 6, recordsOut: 5, deadLetters: 0, late: 0, watermark: 12_999 },
      {
        id: 'keyBy#1',
        kind: 'keyBy',
        recordsIn: 5,
        recordsOut: 4,
        deadLetters: 1,
        late: 0,
        watermark: 12_999,
      },
      {
        id: 'per-user',
        kind: 'window',
        recordsIn: 4,
        recordsOut: 2,
        deadLetters: 0,
        late: 1,
        watermark: 12_999,
      },
      {
        id: 'sink:totals',
        kind: 'sink',
        recordsIn: 2,
        recordsOut: 0,
        deadLetters: 0,
        late: 0,
        watermark: 12_999,
      },
      {
        id: 'source:refunds',
        kind: 'source',
        recordsIn: 0,
        recordsOut: 0,
        deadLetters: 0,
        late: 0,
        watermark: Number.NEGATIVE_INFINITY,
      },
      {
        id: 'sink:refunds',
        kind: 'sink',
        recordsIn: 0,
        recordsOut: 0,
        deadLetters: 0,
        late: 0,
        watermark: Number.NEGATIVE_INFINITY,
      },
    ]);
  });
});

describe('checkpoints', () => {
  it('are JSON-safe: a watermark before any record is saved as "-Infinity"', () => {
    const snapshot = compile(ordersPerUser()).snapshot();
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(snapshot).toMatchObject({
      version: 2,
      pipeline: 'shop',
      nodes: {
        'per-user': { watermark: '-Infinity', idle: false, inputs: ['-Infinity'], inputIdle: [false] },
      },
    });
  });

  // event time   0s        10s
  // user a        x(1s)     | x(12s)      checkpoint; restore; a@5s arrives: still late
  it('carry watermarks, so a restored job judges lateness as the old one did', () => {
    const t = new PipelineTest(ordersPerUser());
    t.push('orders', [order('a', 1, 1_000)]);
    t.push('orders', [order('a', 1, 12_000)]);
    t.restore(t.snapshot());
    t.push('orders', [order('a', 1, 5_000)]);
    expect(t.lateEvents.map((e) => [e.value, e.watermark])).toEqual([[order('a', 1, 5_000), 11_999]]);
  });

  it('cannot be restored into a pipeline whose operators are named differently', () => {
    const checkpoint = new PipelineTest(ordersPerUser('per-user')).snapshot();
    const error = errorOf(() => new PipelineTest(ordersPerUser('per-user-v2')).restore(checkpoint));
    expect(error.code).toBe('TRB_SNAPSHOT_MISMATCH');
    expect(error.message).toBe(
      'checkpoint of "shop" does not fit pipeline "shop": operators not in the checkpoint: per-user-v2; ' +
        'operators no longer in the pipeline: per-user. ' +
        'A checkpoint fits only a pipeline with the same operators: undo the edit, or give operators ' +
        'stable names ({ name }) so that later edits keep them (names made up for unnamed operators ' +
        'shift when steps are added or removed).',
    );
  });

  it('of another version are refused', () => {
    const checkpoint = { ...compile(ordersPerUser()).snapshot(), version: 3 } as unknown as JobSnapshot;
    const error = errorOf(() => compile(ordersPerUser()).restore(checkpoint));
    expect(error.code).toBe('TRB_SNAPSHOT_MISMATCH');
    expect(error.message).toBe('checkpoint format 3 of "shop" is not supported (expected 2)');
  });
});

describe('a restored job', () => {
  // eu and us feed one union; eu goes idle, so the union follows us alone. After a restart
  // the union must still know that eu's next record makes it active again.
  //
  // processing   0s     5s     10s (eu idle)  restart   us@1s  eu@15s
  // union wm     -      -      follows us     same      999    2999 (eu active again, holds it)
  it('remembers which inputs were idle, so a returning source holds the watermark again', () => {
    const plan = pipeline('regions');
    const idle = monotonous().withIdleness('10s');
    const eu = plan.source<number>('eu', { watermark: idle });
    const us = plan.source<number>('us', { watermark: idle });
    eu.union(us)
      .keyBy(() => 'all')
      .window(tumbling('10s'))
      .aggregate({ n: count() })
      .sink('counts');
    const run = (restart: boolean) => {
      const t = new PipelineTest(plan);
      t.push('us', [1], { timestamps: [1_000] });
      t.push('eu', [2], { timestamps: [2_000] });
      t.advance('5s');
      t.push('eu', [3], { timestamps: [3_000] });
      t.advance('5s');
      if (restart) t.restore(t.snapshot());
      t.push('us', [4], { timestamps: [1_000] });
      t.push('eu', [5], { timestamps: [15_000] });
      return t.values('counts');
    };
    expect(run(true)).toEqual(run(false));
  });
});

describe('assigned splits', () => {
  interface Reading {
    ts: number;
  }
  /**
   * Readings in tumbling 10 s windows, their time read from the record: the source and the
   * event-time assignment after it both track the partitions. `idleness` as given.
   */
  const readings = (idleness?: string) => {
    const watermark = idleness ? monotonous().withIdleness(idleness) : monotonous();
    const p = pipeline('splits');
    p.source<Reading>('readings', { time: (r) => r.ts, watermark })
      .filter(() => true)
      .keyBy(() => 'all')
      .window(tumbling('10s'))
      .aggregate({ n: count() })
      .sink('counts');
    return new PipelineTest(p);
  };
  const read = (t: PipelineTest, split: string, ts: number) => t.push('readings', [{ ts }], { split });

  // processing time  0s                  5s          10s
  // split a          x(5s)               x(15s)      .
  // split b          (assigned, silent)  .           idle: stops holding
  // watermark        -inf                -inf        14.999s: fires [0s,10s)
  it('a partition assigned but silent holds the watermark back until it is idle', () => {
    const t = readings('10s');
    t.job.assign('readings', ['a', 'b']);
    read(t, 'a', 5_000);
    t.advance('5s');
    read(t, 'a', 15_000);
    expect(t.values('counts')).toEqual([]);
    expect(watermarkOf(t, 'window#1')).toBe(Number.NEGATIVE_INFINITY);

    t.advance('5s');
    expect(t.values('counts')).toEqual([{ key: 'all', start: 0, end: 10_000, n: 1 }]);
  });

  it('without assign, a partition that never sent anything does not exist', () => {
    const t = readings();
    read(t, 'a', 5_000);
    read(t, 'a', 15_000);
    expect(t.values('counts')).toEqual([{ key: 'all', start: 0, end: 10_000, n: 1 }]);
  });

  // no idleness: b would hold the watermark for ever
  // split a      x(15s)   (1 h passes)   revoke b   x(5s)                x(16s)
  // watermark    -inf     -inf                      14.999s: fires        15.999s
  //                                                 [0s,10s) with 5s
  it('revoking a partition stops it holding the watermark back, from the next batch on', () => {
    const t = readings();
    t.job.assign('readings', ['a', 'b']);
    read(t, 'a', 15_000);
    t.advance('1h');
    expect(t.values('counts')).toEqual([]);

    t.job.revoke('readings', ['b']);
    // Watermarks move at batch boundaries: 5 s is judged by the held watermark, on time.
    read(t, 'a', 5_000);
    expect(t.values('counts')).toEqual([{ key: 'all', start: 0, end: 10_000, n: 1 }]);
    read(t, 'a', 16_000);
    expect(watermarkOf(t, 'window#1')).toBe(15_999);
  });

  it('are kept in checkpoints', () => {
    const t = readings();
    t.job.assign('readings', ['a', 'b']);
    t.restore(t.snapshot());
    read(t, 'a', 15_000);
    expect(watermarkOf(t, 'window#1')).toBe(Number.NEGATIVE_INFINITY);
  });

  it('of a source the job does not have: the error names the sources it has', () => {
    const t = readings();
    expect(() => t.job.assign('reading', ['a'])).toThrow('pipeline "splits" has no source "reading"');
    expect(() => t.job.revoke('reading', ['a'])).toThrow('pipeline "splits" has no source "reading"');
  });
});

describe('end of input', () => {
  interface Visit {
    user: string;
    ts: number;
  }
  /**
   * One stream of visits into tumbling windows, sessions, a process function with an
   * event-time timer, a processing-time window, and tumbling windows after a second
   * event-time assignment: everything end of input can fire, or chooses not to.
   */
  const visits = () => {
    const p = pipeline('visits');
    const keyed = p.source<Visit>('visits', { time: (v) => v.ts }).keyBy((v) => v.user);
    keyed.window(tumbling('10s'), { name: 'tumbling' }).aggregate({ n: count() }).sink('tumbling');
    keyed.window(session('5s'), { name: 'sessions' }).aggregate({ n: count() }).sink('sessions');
    keyed
      .window(tumbling('10s'), { time: 'processing', name: 'by-clock' })
      .aggregate({ n: count() })
      .sink('by-clock');
    keyed
      .process<string>(
        {
          onEvent: (v, ctx) => ctx.timers.atEventTime(v.ts + 60_000),
          onTimer: (time, ctx) => ctx.emit(`${ctx.key} quiet since ${time - 60_000}`),
        },
        { name: 'quiet' },
      )
      .sink('quiet');
    keyed
      .withEventTime((v) => v.ts + 1_000, undefined, { name: 'shifted' })
      .keyBy((v) => v.user)
      .window(tumbling('10s'), { name: 'shifted-windows' })
      .aggregate({ n: count() })
      .sink('shifted');
    return new PipelineTest(p);
  };

  // event time   0s      3s                            end of input: W = +Infinity
  // user a       x(1s)   x(3s)                         fires [0s,10s) n=2, session [1s,8s) n=2,
  //                                                    the timer at 63s; shifted [0s,10s) n=2
  it('moves every watermark to +Infinity: every event-time window, session and timer fires', () => {
    const t = visits();
    t.push('visits', [
      { user: 'a', ts: 1_000 },
      { user: 'a', ts: 3_000 },
    ]);
    expect(t.values('tumbling')).toEqual([]);

    t.job.endOfInput(t.output);
    expect(t.values('tumbling')).toEqual([{ key: 'a', start: 0, end: 10_000, n: 2 }]);
    expect(t.values('sessions')).toEqual([{ key: 'a', start: 1_000, end: 8_000, n: 2 }]);
    expect(t.values('quiet')).toEqual(['a quiet since 1000', 'a quiet since 3000']);
    expect(t.values('shifted')).toEqual([{ key: 'a', start: 0, end: 10_000, n: 2 }]);
    expect(watermarkOf(t, 'shifted-windows')).toBe(Number.POSITIVE_INFINITY);
  });

  // Processing time is not input: the windows of the clock fire as the clock passes them.
  it('leaves processing-time windows to the clock, which still moves', () => {
    const t = visits();
    t.push('visits', [{ user: 'a', ts: 1_000 }]);
    t.job.endOfInput(t.output);
    expect(t.values('by-clock')).toEqual([]);

    t.advance('10s');
    expect(t.values('by-clock')).toEqual([{ key: 'a', start: 0, end: 10_000, n: 1 }]);
  });

  it('is final: pushing afterwards is an error that says so; a second end changes nothing', () => {
    const t = visits();
    t.push('visits', [{ user: 'a', ts: 1_000 }]);
    t.job.endOfInput(t.output);
    t.job.endOfInput(t.output);
    expect(t.values('tumbling')).toHaveLength(1);

    const error = errorOf(() => t.push('visits', [{ user: 'a', ts: 2_000 }]));
    expect(error.code).toBe('TRB_INPUT_ENDED');
    expect(error.message).toBe(
      'pipeline "visits": a batch was pushed to source "visits" after endOfInput(), which fired every event-time window for good; push all input before ending it, or compile a new job',
    );
  });

  it('is kept in checkpoints', () => {
    const t = visits();
    t.job.endOfInput(t.output);
    t.restore(t.snapshot());
    expect(() => t.push('visits', [{ user: 'a', ts: 2_000 }])).toThrow('after endOfInput()');
  });

  // A timer that sets the next one whenever it fires would never let +Infinity finish.
  it('fires timers that timers register only up to the latest one pending at the end', () => {
    const t = new PipelineTest(
      pipeline('heartbeat')
        .source<number>('beats')
        .keyBy(() => 'all')
        .process<number>({
          onEvent: (_beat, ctx) => ctx.timers.atEventTime(ctx.timestamp + 10),
          onTimer: (time, ctx) => {
            ctx.emit(time);
            ctx.timers.atEventTime(time + 10);
          },
        })
        .sink('beats'),
    );
    t.push('beats', [1, 2], { timestamps: [0, 25] });
    t.job.endOfInput(t.output);
    expect(t.values('beats')).toEqual([10, 20, 30, 35]);
  });
});
