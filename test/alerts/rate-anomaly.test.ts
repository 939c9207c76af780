import { describe, expect, it } from 'vitest';
import { AlertEngine, type RuleDocument } from '../../src/alerts/index.js';
import { ManualClock, obs } from './helpers.js';

const T0 = Date.UTC(2025, 0, 1);
const S = 1_000;

const open = async (rule: RuleDocument) => {
  const clock = new ManualClock(T0);
  const engine = await AlertEngine.open({ clock, config: { rules: [rule] } });
  const feed = (
    series: string,
    field: string,
    values: readonly number[],
    everyMs: number,
    key = 'AAPL',
    from = 0,
  ) => {
    values.forEach((value, i) => {
      const t = T0 + from + i * everyMs;
      clock.set(t);
      engine.observe([obs(series, key, value, t, field)]);
      engine.tick();
    });
  };
  const firing = () =>
    engine.alerts({ state: 'firing' }).map((a) => `${a.labels.key}/${a.severity}=${round(a.value)}`);
  return { clock, engine, feed, firing };
};

const round = (x: number) => Math.round(x * 100) / 100;

describe('rate-of-change rules', () => {
  const rule: RuleDocument = {
    name: 'price-jump',
    type: 'rate',
    series: 'stock-averages',
    field: 'avg_price',
    window: '1m',
    per: '1m',
    threshold: 5,
    severity: 'warning',
  };

  // event time  0s   10s  20s  30s  40s  50s  60s  70s  80s
  // avg_price   100  100  101  101  102  102  103  109  115
  // change per minute over [t − 1m, t]:            3    9    14    > 5 from 70 s on
  it('fires when the change over the window, per unit, passes the threshold', async () => {
    const { feed, firing } = await open(rule);
    feed('stock-averages', 'avg_price', [100, 100, 101, 101, 102, 102, 103], 10 * S);
    expect(firing()).toEqual([]);
    feed('stock-averages', 'avg_price', [109], 10 * S, 'AAPL', 70 * S);
    expect(firing()).toEqual(['AAPL/warning=9']);
    feed('stock-averages', 'avg_price', [115], 10 * S, 'AAPL', 80 * S);
    expect(firing()).toEqual(['AAPL/warning=14']);
  });

  it('measures only within the window, so a slow drift never fires', async () => {
    const { feed, firing } = await open(rule);
    // +1 every 20 s: 3 per minute, for ten minutes (30 points over the starting 100)
    feed(
      'stock-averages',
      'avg_price',
      Array.from({ length: 30 }, (_, i) => 100 + i),
      20 * S,
    );
    expect(firing()).toEqual([]);
  });

  it('judges falls with op <', async () => {
    const { feed, firing } = await open({
      ...rule,
      name: 'price-drop',
      op: '<',
      threshold: -5,
    } as RuleDocument);
    feed('stock-averages', 'avg_price', [100, 99, 90], 10 * S);
    expect(firing()).toEqual(['AAPL/warning=-30']);
  });

  it('needs two values at different times before judging', async () => {
    const { feed, firing } = await open(rule);
    feed('stock-averages', 'avg_price', [100], 10 * S);
    expect(firing()).toEqual([]);
  });
});

describe('anomaly rules', () => {
  /** A noisy but steady signal: 50 ± 1 in a fixed pattern. */
  const steady = (n: number) =>
    Array.from({ length: n }, (_, i) => 50 + [0.5, -1, 0.8, -0.3, 1, -0.7][i % 6]);

  it('z-score: a value far from the rolling mean fires; the warm-up is never judged', async () => {
    const { feed, firing, engine } = await open({
      name: 'latency-anomaly',
      type: 'anomaly',
      series: 'api',
      field: 'p99_ms',
      method: 'zscore',
      window: 30,
      threshold: 4,
      severity: 'warning',
    });
    // During warm-up (the first 30 values), even a wild value is only learnt from.
    feed('api', 'p99_ms', [...steady(10), 500, ...steady(19)], S);
    expect(firing()).toEqual([]);
    feed('api', 'p99_ms', steady(40), S, 'AAPL', 30 * S);
    expect(firing()).toEqual([]);
    feed('api', 'p99_ms', [80], S, 'AAPL', 70 * S);
    expect(firing()).toHaveLength(1);
    expect(engine.alerts()[0].annotations.summary).toMatch(
      /api\.p99_ms \[AAPL\] = 80 is [\d.]+ standard deviations from normal/,
    );
  });

  it('z-score with direction up ignores a drop', async () => {
    const { feed, firing } = await open({
      name: 'spike',
      type: 'anomaly',
      series: 'api',
      field: 'p99_ms',
      window: 20,
      direction: 'up',
      severity: 'warning',
    });
    feed('api', 'p99_ms', [...steady(40), 20], S);
    expect(firing()).toEqual([]);
    feed('api', 'p99_ms', [90], S, 'AAPL', 41 * S);
    expect(firing()).toHaveLength(1);
  });

  it('EWMA: a sudden shift fires, and the alert resolves as the mean follows the new level', async () => {
    const { feed, firing, engine } = await open({
      name: 'load-shift',
      type: 'anomaly',
      series: 'host',
      field: 'load',
      method: 'ewma',
      alpha: 0.3,
      threshold: 3,
      warm_up: 10,
      severity: 'warning',
    });
    feed('host', 'load', steady(30), S);
    expect(firing()).toEqual([]);
    feed('host', 'load', [70], S, 'AAPL', 30 * S);
    expect(firing()).toHaveLength(1);
    feed(
      'host',
      'load',
      Array.from({ length: 30 }, (_, i) => 70 + [0.5, -0.5][i % 2]),
      S,
      'AAPL',
      31 * S,
    );
    expect(firing()).toEqual([]);
    expect(engine.alerts({ state: 'resolved' })).toHaveLength(1);
  });

  it('severity by ratio of the score to the threshold', async () => {
    const { feed, firing } = await open({
      name: 'z',
      type: 'anomaly',
      series: 'api',
      field: 'p99_ms',
      window: 20,
      threshold: 3,
    });
    feed('api', 'p99_ms', [...steady(30), 1000], S);
    expect(firing().map((f) => f.split('=')[0])).toEqual(['AAPL/critical', 'AAPL/error', 'AAPL/warning']);
  });
});
