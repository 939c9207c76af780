import { describe, expect, it } from 'vitest';
import { boundedOutOfOrderness, pipeline, session, tumbling } from '../../../src/engine/index.js';
import { PipelineTest } from '../../../src/testing/index.js';

interface Tick {
  symbol: string;
  price: number;
  volume: number;
  ts: number;
}

const tick = (symbol: string, price: number, volume: number, ts: number): Tick => ({
  symbol,
  price,
  volume,
  ts,
});

/** Keeps the highest-priced tick, adding up the volume of all of them. */
const peak = (a: Tick, b: Tick): Tick => ({ ...(b.price > a.price ? b : a), volume: a.volume + b.volume });

describe('reduce', () => {
  // event time   0s        10s
  // ACME          x(10) x(12) x(11) |       one result per key and window: { key, start, end, value }
  // EVIL                 x(5)       |       a single record is its own result
  it('folds the records of each window into one value', () => {
    const t = new PipelineTest(
      pipeline('peaks')
        .source<Tick>('ticks', { time: (t) => t.ts })
        .keyBy((t) => t.symbol)
        .window(tumbling('10s'))
        .reduce(peak)
        .sink('peaks'),
    );
    t.push('ticks', [
      tick('ACME', 10, 100, 1_000),
      tick('ACME', 12, 50, 2_000),
      tick('EVIL', 5, 7, 2_500),
      tick('ACME', 11, 10, 3_000),
    ]);
    t.push('ticks', [tick('ACME', 0, 0, 10_000)]);
    expect(t.values('peaks')).toEqual([
      { key: 'ACME', start: 0, end: 10_000, value: tick('ACME', 12, 160, 2_000) },
      { key: 'EVIL', start: 0, end: 10_000, value: tick('EVIL', 5, 7, 2_500) },
    ]);
  });

  // event time   0s  1s      6s  7s       12s           30s
  // ACME             x(10)       x(30)                  two sessions of ACME...
  // arrives last          x(20) at 6s bridges them: the reducer merges the partial results
  it('merges partial results when sessions meet', () => {
    const t = new PipelineTest(
      pipeline('peaks')
        .source<Tick>('ticks', { time: (t) => t.ts, watermark: boundedOutOfOrderness('10s') })
        .keyBy((t) => t.symbol)
        .window(session('5s'))
        .reduce(peak)
        .sink('peaks'),
    );
    t.push('ticks', [tick('ACME', 10, 1, 1_000)]);
    t.push('ticks', [tick('ACME', 30, 2, 7_000)]);
    t.push('ticks', [tick('ACME', 20, 4, 5_000)]);
    t.push('ticks', [tick('ACME', 0, 0, 30_000)]);
    expect(t.values('peaks')).toEqual([
      { key: 'ACME', start: 1_000, end: 12_000, value: tick('ACME', 30, 7, 7_000) },
    ]);
  });

  // event time   0s        10s
  // ACME          x x  checkpoint  x |       the partial result is saved with the checkpoint
  it('keeps its partial result in a checkpoint', () => {
    const t = new PipelineTest(
      pipeline('peaks')
        .source<Tick>('ticks', { time: (t) => t.ts })
        .keyBy((t) => t.symbol)
        .window(tumbling('10s'))
        .reduce(peak)
        .sink('peaks'),
    );
    t.push('ticks', [tick('ACME', 10, 1, 1_000), tick('ACME', 15, 1, 2_000)]);
    t.restore(t.snapshot());
    t.push('ticks', [tick('ACME', 12, 1, 3_000)]);
    t.push('ticks', [tick('ACME', 0, 0, 10_000)]);
    expect(t.values('peaks')).toEqual([
      { key: 'ACME', start: 0, end: 10_000, value: tick('ACME', 15, 3, 2_000) },
    ]);
  });
});
