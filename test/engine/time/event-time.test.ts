import { describe, expect, it } from 'vitest';
import { boundedOutOfOrderness, count, monotonous, pipeline, tumbling } from '../../../src/engine/index.js';
import { toEventTime } from '../../../src/engine/time/event-time.js';
import { PipelineTest } from '../../../src/testing/index.js';
import { watermarkOf } from '../helpers.js';

describe('toEventTime', () => {
  it('reads milliseconds, Dates and ISO-8601 strings', () => {
    expect(toEventTime(1_700_000_000_000, 'op')).toBe(1_700_000_000_000);
    expect(toEventTime(new Date('2024-03-07T12:00:00Z'), 'op')).toBe(Date.UTC(2024, 2, 7, 12));
    expect(toEventTime('2024-03-07T12:00:00.250Z', 'op')).toBe(Date.UTC(2024, 2, 7, 12, 0, 0, 250));
  });

  it('rejects what is not a time, naming the operator, showing the value and the accepted forms', () => {
    expect(() => toEventTime('yesterday', 'parse-time')).toThrow(
      'parse-time: event time is "yesterday"; expected milliseconds since the epoch, a Date or an ISO-8601 string: "2024-03-07" (midnight UTC), "2024-03-07T12:00:00Z" or "2024-03-07T12:00:00.250+01:00"',
    );
    expect(() => toEventTime(undefined, 'op')).toThrow('op: event time is undefined;');
    expect(() => toEventTime(Number.NaN, 'op')).toThrow('op: event time is NaN;');
    expect(() => toEventTime(new Date('nope'), 'op')).toThrow('op: event time is Invalid Date;');
    expect(() => toEventTime('x'.repeat(100), 'op')).toThrow(`op: event time is "${'x'.repeat(37)}...";`);
  });

  it('reads ISO-8601 only, not whatever Date.parse makes of a string', () => {
    for (const text of ['42', 'Thu, 01 Jan 1970 00:00:04 GMT', '1970/01/01 00:00:05 UTC']) {
      expect(() => toEventTime(text, 'op'), text).toThrow(
        `op: event time is ${JSON.stringify(text)}; expected milliseconds since the epoch, a Date or an ISO-8601 string:`,
      );
    }
    expect(() => toEventTime('1970-02-30T00:00:00Z', 'op')).toThrow(
      'op: event time is "1970-02-30T00:00:00Z": 1970-02 has 28 days, not 30; expected',
    );
  });

  it('refuses a date-time without an offset, which would mean another instant on another host', () => {
    expect(() => toEventTime('2024-03-07T12:00:00', 'op')).toThrow(
      'op: event time is "2024-03-07T12:00:00", a date-time without a UTC offset: its instant would depend on the time zone of the machine; add "Z" for UTC or an offset such as "+01:00" ("2024-03-07T12:00:00Z")',
    );
  });
});

describe('event-time strings in a pipeline', () => {
  // Each was read by Date.parse: as 2042 in local time, as RFC 2822, as a local date, as 2 March.
  it('dead-letters strings that are not ISO-8601, with the value and the accepted forms', () => {
    const t = new PipelineTest(
      pipeline('trades')
        .source<Trade>('trades', { time: (trade) => trade.at })
        .sink('out'),
    );
    const bad = ['42', 'Thu, 01 Jan 1970 00:00:04 GMT', '1970/01/01 00:00:05 UTC', '1970-02-30T00:00:00Z'];
    t.push(
      'trades',
      [...bad, '1970-01-01T00:00:05+00:00'].map((at) => ({ symbol: 'ACME', at })),
    );
    expect(t.records('out').map((r) => r.timestamp)).toEqual([5_000]);
    expect(t.deadLetters.map((d) => [(d.value as Trade).at, d.error.code])).toEqual(
      bad.map((at) => [at, 'TRB_BAD_RECORD']),
    );
    for (const letter of t.deadLetters) {
      expect(letter.error.message).toContain(JSON.stringify((letter.value as Trade).at));
      expect(letter.error.message).toContain('"2024-03-07T12:00:00Z"');
    }
  });
});

interface Trade {
  symbol: string;
  at: string;
}

describe('assigning event time in a pipeline', () => {
  it('the source time function replaces the ingestion time', () => {
    const t = new PipelineTest(
      pipeline('trades')
        .source<Trade>('trades', { time: (trade) => trade.at })
        .sink('out'),
      { now: 99_000 },
    );
    t.push('trades', [{ symbol: 'ACME', at: '1970-01-01T00:00:05Z' }]);
    expect(t.records('out')).toEqual([
      { value: { symbol: 'ACME', at: '1970-01-01T00:00:05Z' }, timestamp: 5_000 },
    ]);
  });

  // A source's own times often are the events' (a producer that stamps records with them): the
  // times read replace them only where they differ, wherever in the batch that starts.
  it('the times read replace the ones a source gave, record by record, around records that fail', () => {
    const t = new PipelineTest(
      pipeline('ticks')
        .source<{ at: number | string }>('ticks', { time: (tick) => tick.at })
        .sink('out'),
    );
    const ticks: [at: number | string, given: number][] = [
      [1_000, 1_000],
      [2_000, 2_000],
      [3_500, 3_000],
      ['never', 4_000],
      [5_000, 5_000],
      [-0, 0],
    ];
    t.pushRecords(
      'ticks',
      ticks.map(([at, timestamp]) => ({ value: { at }, timestamp })),
    );
    const times = t.records('out').map((r) => r.timestamp);
    expect(times).toEqual([1_000, 2_000, 3_500, 5_000, -0]);
    expect(Object.is(times[4], -0)).toBe(true);
    expect(t.deadLetters.map((d) => [d.value, d.timestamp])).toEqual([[{ at: 'never' }, 4_000]]);

    t.pushRecords('ticks', [
      { value: { at: 'never' }, timestamp: 6_000 },
      { value: { at: 7_000 }, timestamp: 7_000 },
    ]);
    const later = t.records('out').slice(5);
    expect(later.map((r) => r.timestamp)).toEqual([7_000]);
  });

  it('without a time function a record carries the time it was pushed (ingestion time)', () => {
    const t = new PipelineTest(pipeline('trades').source<Trade>('trades').sink('out'), { now: 42_000 });
    t.push('trades', [{ symbol: 'ACME', at: 'ignored' }]);
    expect(t.records('out')[0].timestamp).toBe(42_000);
  });

  it('withEventTime re-assigns event time and starts a watermark of its own', () => {
    const t = new PipelineTest(
      pipeline('trades')
        .source<Trade>('trades')
        .withEventTime((trade) => Date.parse(trade.at), boundedOutOfOrderness('2s'), { name: 'trade-time' })
        .sink('out'),
      { now: 100_000 },
    );
    t.push('trades', [{ symbol: 'ACME', at: '1970-01-01T00:00:10Z' }]);

    expect(t.records('out')[0].timestamp).toBe(10_000);
    expect(watermarkOf(t, 'source:trades')).toBe(99_999); // ingestion time, monotonous
    expect(watermarkOf(t, 'trade-time')).toBe(7_999); // event time, 2 s bound
  });
});

describe('idleness across a checkpoint', () => {
  /** Readings per key in tumbling 10 s windows; a partition silent for 1 s is idle. */
  const counts = () => {
    const p = pipeline('idle');
    const windows = p
      .source<string>('readings', { watermark: monotonous().withIdleness(1_000) })
      .keyBy((key) => key)
      .window(tumbling('10s'))
      .aggregate({ n: count() });
    windows.sink('counts');
    windows.late().sink('late');
    return new PipelineTest(p);
  };
  const read = (t: PipelineTest, split: string, timestamp: number) =>
    t.push('readings', ['a'], { timestamps: [timestamp], split });

  // processing time  0s          5s                   (checkpoint)   5s
  // split p1         a@0s        . idle since 1s
  // split p0                     a@15s                                a@20s  a@12s
  // watermark                    14.999s: fires [0s,10s)              19.999s: fires [10s,20s);
  //                                                                   a@12s is late
  it('a split idle at the snapshot is still idle after the restore', () => {
    const run = (restart: boolean) => {
      const t = counts();
      read(t, 'p1', 0);
      t.advance('5s');
      read(t, 'p0', 15_000);
      if (restart) t.restore(t.snapshot());
      read(t, 'p0', 20_000);
      read(t, 'p0', 12_000);
      return { counts: t.values('counts'), late: t.records('late').map((r) => r.timestamp) };
    };
    expect(run(false)).toEqual({
      counts: [
        { key: 'a', start: 0, end: 10_000, n: 1 },
        { key: 'a', start: 10_000, end: 20_000, n: 1 },
      ],
      late: [12_000],
    });
    expect(run(true)).toEqual(run(false));
  });

  // processing time  0s      0.6s (checkpoint)   restart 1 h later   +0.5s
  // split p1         a@0s    . silent 0.6s       .                   . silent 1.1s in all: idle
  // split p0         a@20s                       a@21s
  it('a restore counts silence in processing time from where the snapshot left it', () => {
    const t = counts();
    read(t, 'p1', 0);
    read(t, 'p0', 20_000);
    t.advance(600);
    const checkpoint = t.snapshot();
    t.clock.advance('1h');
    t.restore(checkpoint);
    read(t, 'p0', 21_000);
    expect(watermarkOf(t, 'source:readings')).toBe(-1); // p1 holds it: 0.6 s of silence
    t.advance(500);
    expect(watermarkOf(t, 'source:readings')).toBe(20_999);
  });

  // processing time  0s (p0, p1, p2 assigned)   0.1s                 1.1s
  // split p2         .  never sends             .                    idle
  // split p0                                    a@3s, a@12s          idle
  // split p1                                    a@15s                idle
  // watermark        -1 (p2 holds it)           -1                   11.999s: fires [0s,10s)
  it('when every split falls silent at once, those that sent still move the watermark', () => {
    const t = counts();
    t.assign('readings', ['p0', 'p1', 'p2']);
    t.advance(100);
    read(t, 'p0', 3_000);
    read(t, 'p0', 12_000);
    read(t, 'p1', 15_000);
    expect(t.values('counts')).toEqual([]);
    t.advance(1_000);
    expect(watermarkOf(t, 'source:readings')).toBe(11_999);
    expect(t.values('counts')).toEqual([{ key: 'a', start: 0, end: 10_000, n: 1 }]);
  });
});
