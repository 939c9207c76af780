import { describe, expect, it } from 'vitest';
import {
  boundedOutOfOrderness,
  type Duration,
  pipeline,
  type WatermarkStrategy,
} from '../../../src/engine/index.js';
import { PipelineTest } from '../../../src/testing/index.js';

interface Alert {
  host: string;
  ts: number;
  id?: string;
}

const alert = (host: string, ts: number, id?: string): Alert => ({ host, ts, id });

/** Alerts keyed by host, repeats within `within` dropped by the operator named `once`. */
const onePerHost = (within: Duration = '10s', watermark?: WatermarkStrategy) =>
  new PipelineTest(
    pipeline('alerts')
      .source<Alert>('alerts', { time: (a) => a.ts, watermark })
      .keyBy((a) => a.host)
      .dedupe(within, { name: 'once' })
      .sink('out'),
  );

const hostsAndTimes = (t: PipelineTest) => t.values<Alert>('out').map((a) => `${a.host}@${a.ts / 1_000}s`);

describe('dedupe in event time', () => {
  // event time   0s   1s       5s  6s       10.999s 11s
  // host h1           x        x(dup)        x(dup)  x        less than 10s after 1s: dropped
  // host h2                        x                          another key: passes
  it('drops a repeat of a key less than `within` after the one that passed', () => {
    const t = onePerHost('10s');
    t.push('alerts', [alert('h1', 1_000), alert('h1', 5_000), alert('h2', 6_000)]);
    t.push('alerts', [alert('h1', 10_999)]);
    t.push('alerts', [alert('h1', 11_000)]);
    expect(hostsAndTimes(t)).toEqual(['h1@1s', 'h2@6s', 'h1@11s']);
  });

  // event time   0s        6s        10s
  // host h1                 x(dup)    x          6s arrives after 10s but within the bound: on time
  it('drops a repeat that comes earlier in event time, too', () => {
    const t = onePerHost('10s', boundedOutOfOrderness('30s'));
    t.push('alerts', [alert('h1', 10_000)]);
    t.push('alerts', [alert('h1', 6_000)]);
    expect(hostsAndTimes(t)).toEqual(['h1@10s']);
  });

  // event time   0s     8s              20s    25s
  // host h1             x (passes: 12s    x      x(dup of 20s)
  //                        before 20s)
  // arrival order: 20s, 8s, 25s
  it('an out-of-order record that passes does not make it forget the one that passed before', () => {
    const t = onePerHost('10s', boundedOutOfOrderness('30s'));
    t.push('alerts', [alert('h1', 20_000)]);
    t.push('alerts', [alert('h1', 8_000)]);
    t.push('alerts', [alert('h1', 25_000)]);
    expect(hostsAndTimes(t)).toEqual(['h1@20s', 'h1@8s']);
  });

  it('the same, when the earlier record is forgotten before the later one', () => {
    const t = onePerHost('10s', boundedOutOfOrderness('10s'));
    t.push('alerts', [alert('h1', 22_000)]);
    t.push('alerts', [alert('h1', 12_000)]); // 10s before 22s: passes, remembered until W >= 21.999s
    t.push('alerts', [alert('h2', 32_000)]); // W = 21.999s: 12s is forgotten, 22s is not
    t.push('alerts', [alert('h1', 23_000)]); // 1s after 22s: a repeat
    expect(hostsAndTimes(t)).toEqual(['h1@22s', 'h1@12s', 'h2@32s']);
  });

  // event time   0s   1s          10.999s 12s
  // host h1           x kept until W >= 1s + 10s - 1ms
  // watermark                              ^ 11.999s: h1 is forgotten
  it('forgets a key once the watermark shows no on-time repeat can come', () => {
    const t = onePerHost('10s');
    t.push('alerts', [alert('h1', 1_000)]);
    expect(t.snapshot().nodes.once.entries).toEqual([['h1', 0, [1_000]]]);

    t.push('alerts', [alert('h2', 12_000)]);
    expect(t.snapshot().nodes.once.entries).toEqual([['h2', 0, [12_000]]]);
  });

  it('sends a record at or below the watermark to the late stream: its repeat may be forgotten', () => {
    const t = onePerHost('10s');
    t.push('alerts', [alert('h1', 20_000)]);
    t.push('alerts', [alert('h3', 5_000), alert('h3', 21_000)]);
    expect(hostsAndTimes(t)).toEqual(['h1@20s', 'h3@21s']);
    expect(t.lateEvents.map((e) => [e.operator, e.value, e.key, e.watermark])).toEqual([
      ['once', alert('h3', 5_000), 'h3', 19_999],
    ]);
  });

  it('remembers what passed across a checkpoint', () => {
    const t = onePerHost('10s');
    t.push('alerts', [alert('h1', 1_000)]);
    t.restore(t.snapshot());
    t.push('alerts', [alert('h1', 3_000), alert('h2', 4_000)]);
    expect(hostsAndTimes(t)).toEqual(['h1@1s', 'h2@4s']);
  });
});

describe('dedupe by a field', () => {
  it('on a plain stream, by names the field that identifies a repeat', () => {
    const t = new PipelineTest(
      pipeline('alerts')
        .source<Alert>('alerts', { time: (a) => a.ts })
        .dedupe('1m', { by: (a) => a.id! })
        .sink('out'),
    );
    t.push('alerts', [
      alert('h1', 1_000, 'disk-full'),
      alert('h2', 2_000, 'disk-full'),
      alert('h1', 3_000, 'oom'),
    ]);
    expect(t.values<Alert>('out').map((a) => a.id)).toEqual(['disk-full', 'oom']);
  });

  it('on a keyed stream, by replaces the key for dedupe and the records stay keyed', () => {
    const t = new PipelineTest(
      pipeline('alerts')
        .source<Alert>('alerts', { time: (a) => a.ts })
        .keyBy((a) => a.host)
        .dedupe('1m', { by: (a) => `${a.host}/${a.id}` })
        .sink('out'),
    );
    t.push('alerts', [alert('h1', 1_000, 'oom'), alert('h1', 2_000, 'disk'), alert('h1', 3_000, 'oom')]);
    expect(t.records<Alert>('out').map((r) => [r.key, r.value.id])).toEqual([
      ['h1', 'oom'],
      ['h1', 'disk'],
    ]);
  });

  it('a record whose field is not a usable key is dead-lettered', () => {
    const t = new PipelineTest(
      pipeline('alerts')
        .source<Alert>('alerts', { time: (a) => a.ts })
        .dedupe('1m', { by: (a) => a.id!, name: 'by-id' })
        .sink('out'),
    );
    t.push('alerts', [alert('h1', 1_000), alert('h1', 2_000, 'oom')]);
    expect(t.values<Alert>('out')).toEqual([alert('h1', 2_000, 'oom')]);
    expect(t.deadLetters.map((d) => [d.operator, d.error.message])).toEqual([
      [
        'by-id',
        'by-id: the key is undefined; a key must be a string, a finite number or a boolean (return e.g. String(...) for a composite key)',
      ],
    ]);
  });
});

describe('dedupe in processing time', () => {
  // processing time  0s        5s        10s
  // host h1          x         x(dup)    x          compared by arrival, whatever their event time
  it('compares arrival times and forgets a key as the clock moves on', () => {
    const t = new PipelineTest(
      pipeline('alerts')
        .source<Alert>('alerts', { time: (a) => a.ts })
        .keyBy((a) => a.host)
        .dedupe('10s', { time: 'processing' })
        .sink('out'),
      { now: 0 },
    );
    t.push('alerts', [alert('h1', 50_000)]);
    t.advance('5s');
    t.push('alerts', [alert('h1', 1_000)]);
    t.advance('5s');
    t.push('alerts', [alert('h1', 2_000)]);
    expect(hostsAndTimes(t)).toEqual(['h1@50s', 'h1@2s']);
    expect(t.lateEvents).toEqual([]);
  });
});
