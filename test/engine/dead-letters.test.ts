import { describe, expect, it } from 'vitest';
import { compile, count, type DeadLetter, pipeline, session, sum, tumbling } from '../../src/engine/index.js';
import { MemorySink, MemorySource, PipelineTest } from '../../src/testing/index.js';
import { statsOf } from './helpers.js';

const ISO_FORMS = '"2024-03-07" (midnight UTC), "2024-03-07T12:00:00Z" or "2024-03-07T12:00:00.250+01:00"';

/** An order as it arrives from outside: any field may be wrong. */
interface RawOrder {
  id: string;
  user: unknown;
  amount: unknown;
  currency: string;
  tags?: string[];
  at: unknown;
}

const RATES: Record<string, number> = { EUR: 1, USD: 0.5 };

const toEuro = (o: RawOrder): RawOrder => {
  if (o.currency === 'EUR') return o;
  const rate = RATES[o.currency];
  if (rate === undefined) throw new RangeError(`no exchange rate for ${o.currency}`);
  return { ...o, amount: (o.amount as number) * rate, currency: 'EUR' };
};

/** Revenue per user and minute; every step can meet a record it cannot handle. */
const revenue = pipeline('revenue')
  .source<RawOrder>('orders', { time: (o) => o.at as string | number })
  .validate((o) => o.id !== '' || 'the order has no id', { name: 'check-id' })
  .map(toEuro, { name: 'to-euro' })
  .filter((o) => !o.tags!.includes('test'), { name: 'drop-tests' })
  .keyBy((o) => o.user as string, { name: 'by-user' })
  .window(tumbling('1m'), { name: 'revenue-per-user' })
  .aggregate({ orders: count(), revenue: sum((o) => o.amount as number) })
  .sink('revenue')
  .build();

const order = (id: string, fields: Partial<RawOrder> = {}): RawOrder => ({
  id,
  user: 'ann',
  amount: 10,
  currency: 'EUR',
  tags: [],
  at: 1_000,
  ...fields,
});

const good = [
  order('o1'),
  order('o2', { currency: 'USD', amount: 20, at: 2_000 }),
  order('o3', { user: 'cid', amount: 5 }),
];

const bad = {
  badTime: order('b1', { at: 'yesterday' }),
  noId: order(''),
  unknownCurrency: order('b3', { currency: 'XYZ' }),
  noTags: order('b4', { tags: undefined }),
  badUser: order('b5', { user: { name: 'bob' } }),
  textAmount: order('b6', { amount: '12.50' }),
  testOrder: order('b7', { tags: ['test'] }),
};

/** Good and bad orders in one batch, then an order a minute later to close the window. */
const run = () => {
  const t = new PipelineTest(revenue, { now: 500 });
  t.push('orders', [good[0], ...Object.values(bad), good[1], good[2]]);
  t.push('orders', [order('later', { at: 61_000 })]);
  return t;
};

const letterFrom = (t: PipelineTest, operator: string): DeadLetter => {
  const letters = t.deadLetters.filter((d) => d.operator === operator);
  expect(letters).toHaveLength(1);
  return letters[0];
};

describe('dead letters: bad records never stop a pipeline', () => {
  it('the good records flow on and give the right results', () => {
    const t = run();
    expect(t.values('revenue')).toEqual([
      { key: 'ann', start: 0, end: 60_000, orders: 2, revenue: 20 },
      { key: 'cid', start: 0, end: 60_000, orders: 1, revenue: 5 },
    ]);
    expect(t.deadLetters.map((d) => d.operator)).toEqual([
      'eventTime#1',
      'check-id',
      'to-euro',
      'drop-tests',
      'by-user',
      'revenue-per-user',
    ]);
  });

  it('an event time that is not a time: the record keeps the time it arrived with', () => {
    expect(letterFrom(run(), 'eventTime#1')).toEqual({
      pipeline: 'revenue',
      operator: 'eventTime#1',
      error: {
        name: 'TributaryError',
        code: 'TRB_BAD_RECORD',
        message:
          'eventTime#1: event time is "yesterday"; expected milliseconds since the epoch, a Date or an ISO-8601 string: ' +
          ISO_FORMS,
      },
      value: bad.badTime,
      timestamp: 500,
    });
  });

  it('a record that fails validation, with the reason the check gave', () => {
    expect(letterFrom(run(), 'check-id')).toEqual({
      pipeline: 'revenue',
      operator: 'check-id',
      error: { name: 'TributaryError', code: 'TRB_BAD_RECORD', message: 'check-id: the order has no id' },
      value: bad.noId,
      timestamp: 1_000,
    });
  });

  it('a map that throws', () => {
    expect(letterFrom(run(), 'to-euro')).toEqual({
      pipeline: 'revenue',
      operator: 'to-euro',
      error: { name: 'RangeError', message: 'no exchange rate for XYZ' },
      value: bad.unknownCurrency,
      timestamp: 1_000,
    });
  });

  it('a filter that throws', () => {
    expect(letterFrom(run(), 'drop-tests')).toEqual({
      pipeline: 'revenue',
      operator: 'drop-tests',
      error: { name: 'TypeError', message: "Cannot read properties of undefined (reading 'includes')" },
      value: bad.noTags,
      timestamp: 1_000,
    });
  });

  it('a key that is not a string, a finite number or a boolean', () => {
    expect(letterFrom(run(), 'by-user')).toEqual({
      pipeline: 'revenue',
      operator: 'by-user',
      error: {
        name: 'TributaryError',
        code: 'TRB_BAD_RECORD',
        message:
          'by-user: the key is object; a key must be a string, a finite number or a boolean (return e.g. String(...) for a composite key)',
      },
      value: bad.badUser,
      timestamp: 1_000,
    });
  });

  it('an aggregated field that is not a number: the letter carries the key too', () => {
    expect(letterFrom(run(), 'revenue-per-user')).toEqual({
      pipeline: 'revenue',
      operator: 'revenue-per-user',
      error: {
        name: 'TributaryError',
        code: 'TRB_BAD_RECORD',
        message: 'sum: the aggregated field is "12.50", not a finite number',
      },
      value: bad.textAmount,
      timestamp: 1_000,
      key: 'ann',
    });
  });

  it('a record a filter rejects is not a dead letter', () => {
    expect(run().deadLetters.map((d) => d.value)).not.toContainEqual(bad.testOrder);
  });

  it('operators count their dead letters', () => {
    const t = run();
    expect(
      t.job
        .stats()
        .filter((s) => s.deadLetters > 0)
        .map((s) => [s.id, s.deadLetters]),
    ).toEqual([
      ['eventTime#1', 1],
      ['check-id', 1],
      ['to-euro', 1],
      ['drop-tests', 1],
      ['by-user', 1],
      ['revenue-per-user', 1],
    ]);
    expect(statsOf(t, 'revenue-per-user').recordsIn).toBe(5); // 3 good, the text amount, and `later`
  });
});

describe('dead letters point back to the input', () => {
  it('carry the source position of the record', () => {
    const output = new MemorySink();
    const job = compile(revenue);
    const source = new MemorySource('orders', [
      { value: good[0], timestamp: 0 },
      { value: bad.unknownCurrency, timestamp: 0 },
      { value: bad.badUser, timestamp: 0 },
    ]);
    source.drainInto(job, output, 2);
    expect(output.deadLetters.map((d) => [d.operator, d.position])).toEqual([
      ['to-euro', { offset: 1 }],
      ['by-user', { offset: 2 }],
    ]);
  });

  // event time   0s   1s                      50s
  // key k             x   a record at NaN         x      NaN belongs to no window and no session
  it('a timestamp from the source that is not a finite number', () => {
    for (const assigner of [tumbling('10s'), session('5s')]) {
      const t = new PipelineTest(
        pipeline('sensors')
          .source<string>('readings')
          .keyBy(() => 'k')
          .window(assigner)
          .aggregate({ readings: count() })
          .sink('counts'),
      );
      t.push('readings', ['ok', 'broken clock', 'forever'], {
        timestamps: [1_000, Number.NaN, Number.POSITIVE_INFINITY],
      });
      t.push('readings', ['later'], { timestamps: [50_000] });
      expect(t.values<{ readings: number }>('counts').map((r) => r.readings)).toEqual([1]);
      expect(t.deadLetters.map((d) => [d.operator, d.value, d.error.message])).toEqual([
        [
          'source:readings',
          'broken clock',
          'source:readings: event time is NaN; expected milliseconds since the epoch, a Date or an ISO-8601 string: ' +
            ISO_FORMS,
        ],
        [
          'source:readings',
          'forever',
          'source:readings: event time is Infinity; expected milliseconds since the epoch, a Date or an ISO-8601 string: ' +
            ISO_FORMS,
        ],
      ]);
    }
  });

  it('a user function that throws something other than an Error is still described', () => {
    const t = new PipelineTest(
      pipeline('odd')
        .source<number>('n')
        .map((n) => {
          if (n < 0) throw `negative: ${n}`;
          return n;
        })
        .sink('out'),
    );
    t.push('n', [1, -2, 3]);
    expect(t.values('out')).toEqual([1, 3]);
    expect(t.deadLetters.map((d) => d.error)).toEqual([{ name: 'Error', message: 'negative: -2' }]);
  });
});

describe('retractions into operators that keep state', () => {
  // Sessions [1s,6s) and [8s,13s) fire, then a late view at 5 s merges them: two rows are
  // withdrawn. An hourly count over sessions cannot take a session back out of its count.
  it('are dead-lettered: windows, process functions, joins and dedupe cannot take a row back', () => {
    const p = pipeline('sessions-per-hour');
    const sessions = p
      .source<number>('views')
      .keyBy(() => 'a')
      .window(session('5s'), { lateness: '20s', name: 'sessions' })
      .aggregate({ views: count() });
    sessions.sink('sessions');
    sessions
      .keyBy(() => 'all')
      .window(tumbling('1h'), { name: 'hourly' })
      .aggregate({ sessions: count() })
      .sink('hourly');
    const t = new PipelineTest(p);
    t.push('views', [1, 8], { timestamps: [1_000, 8_000] });
    t.push('views', [20], { timestamps: [20_000] });
    t.push('views', [5], { timestamps: [5_000] });

    expect(t.deadLetters.map((d) => [d.operator, d.value, d.error.code])).toEqual([
      ['hourly', { key: 'a', start: 1_000, end: 6_000, views: 1 }, 'TRB_RETRACTION_UNSUPPORTED'],
      ['hourly', { key: 'a', start: 8_000, end: 13_000, views: 1 }, 'TRB_RETRACTION_UNSUPPORTED'],
    ]);
    expect(t.deadLetters[0].error.message).toBe(
      'hourly: this record retracts a result emitted earlier (a session that merged or moved), and a window keeps state it cannot take a record back out of; the retraction is dead-lettered. Compute from the records before the session window, or send session results to a sink that applies retractions (a store series)',
    );
    expect(statsOf(t, 'hourly')).toMatchObject({ recordsIn: 5, deadLetters: 2 });
  });
});
