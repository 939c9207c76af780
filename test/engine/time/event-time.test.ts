import { describe, expect, it } from 'vitest';
import { boundedOutOfOrderness, pipeline } from '../../../src/engine/index.js';
import { toEventTime } from '../../../src/engine/time/event-time.js';
import { PipelineTest } from '../../../src/testing/index.js';
import { watermarkOf } from '../helpers.js';

describe('toEventTime', () => {
  it('reads milliseconds, Dates and ISO-8601 strings', () => {
    expect(toEventTime(1_700_000_000_000, 'op')).toBe(1_700_000_000_000);
    expect(toEventTime(new Date('2024-03-07T12:00:00Z'), 'op')).toBe(Date.UTC(2024, 2, 7, 12));
    expect(toEventTime('2024-03-07T12:00:00.250Z', 'op')).toBe(Date.UTC(2024, 2, 7, 12, 0, 0, 250));
  });

  it('rejects what is not a time, naming the operator and showing the value', () => {
    expect(() => toEventTime('yesterday', 'parse-time')).toThrow(
      'parse-time: event time is "yesterday"; expected milliseconds since the epoch, a Date or an ISO-8601 string',
    );
    expect(() => toEventTime(undefined, 'op')).toThrow('op: event time is undefined;');
    expect(() => toEventTime(Number.NaN, 'op')).toThrow('op: event time is NaN;');
    expect(() => toEventTime(new Date('nope'), 'op')).toThrow('op: event time is Invalid Date;');
    expect(() => toEventTime('x'.repeat(100), 'op')).toThrow(`op: event time is "${'x'.repeat(37)}...";`);
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
