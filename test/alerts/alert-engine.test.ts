import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  AlertEngine,
  observationsFromMetrics,
  observationsFromResults,
  type RuleDocument,
} from '../../src/alerts/index.js';
import type { AlertEvent } from '../../src/contract/index.js';
import { ManualClock, obs, RecordingNotifier } from './helpers.js';

const T0 = Date.UTC(2025, 0, 1);
const cpu: RuleDocument = {
  name: 'cpu-high',
  type: 'threshold',
  series: 'host',
  field: 'cpu',
  threshold: 80,
  severity: 'warning',
};

describe('the alert engine’s API (for the HTTP routes and the dashboard)', () => {
  it('adds, replaces and removes rules at run time; a replaced rule keeps its firing alerts, a removed one resolves them', async () => {
    const clock = new ManualClock(T0);
    const notifier = new RecordingNotifier();
    const engine = await AlertEngine.open({
      clock,
      config: {
        receivers: [{ name: 'ops' }],
        route: { receiver: 'ops', group_wait: 0, group_interval: '1s' },
      },
      receivers: { ops: [notifier] },
    });
    engine.upsertRule(cpu);
    engine.observe([obs('host', 'web-1', 85, T0, 'cpu')]);
    await engine.settled();
    const [before] = engine.alerts();
    engine.upsertRule({
      ...cpu,
      threshold: 70,
      annotations: { summary: 'now {{ value }} over {{ threshold }}' },
    });
    expect(engine.rule('cpu-high')).toMatchObject({ threshold: 70 });
    const [after] = engine.alerts();
    expect(after.fingerprint).toBe(before.fingerprint);
    expect(after.state).toBe('firing');
    expect(after.annotations.summary).toBe('now 85 over 70');
    engine.observe([obs('host', 'web-1', 75, T0 + 1, 'cpu')]); // above the new threshold: still firing
    expect(engine.alerts({ state: 'firing' })).toHaveLength(1);

    engine.removeRule('cpu-high');
    expect(engine.rules()).toEqual([]);
    expect(engine.alerts().map((a) => a.state)).toEqual(['resolved']);
    clock.advance('2s');
    engine.tick();
    await engine.settled();
    expect(notifier.summary()).toEqual([
      'firing: cpu-high/web-1/warning=firing',
      'resolved: cpu-high/web-1/warning=resolved',
    ]);
    expect(() => engine.removeRule('cpu-high')).toThrow(
      expect.objectContaining({ code: 'TRB_ALERT_NOT_FOUND' }),
    );
  });

  it('reloads the whole configuration: unchanged rules keep their state', async () => {
    const clock = new ManualClock(T0);
    const engine = await AlertEngine.open({ clock, config: { rules: [cpu, { ...cpu, name: 'other' }] } });
    engine.observe([obs('host', 'web-1', 85, T0, 'cpu')]);
    engine.configure({ rules: [cpu] });
    expect(engine.alerts({ state: 'firing' }).map((a) => a.rule)).toEqual(['cpu-high']);
    expect(engine.alerts({ state: 'resolved' }).map((a) => a.rule)).toEqual(['other']);
  });

  it('tells subscribers (the /ws alerts channel) of every change', async () => {
    const clock = new ManualClock(T0);
    const engine = await AlertEngine.open({ clock, config: { rules: [{ ...cpu, for: '10s' }] } });
    const events: AlertEvent[] = [];
    const unsubscribe = engine.subscribe((e) => events.push(e));
    engine.observe([obs('host', 'web-1', 85, T0, 'cpu')]);
    clock.advance('10s');
    engine.tick();
    engine.addSilence({ matchers: ['key="web-1"'], duration: '1h' });
    unsubscribe();
    engine.observe([obs('host', 'web-1', 50, T0 + 20_000, 'cpu')]);
    expect(events.map((e) => (e.type === 'alert' ? `${e.from}→${e.to}` : e.type))).toEqual([
      'inactive→pending',
      'pending→firing',
      'silence',
    ]);
  });

  it('refuses observations it cannot judge and counts them', async () => {
    const registry = new Registry();
    const engine = await AlertEngine.open({ registry, config: { rules: [cpu] } });
    engine.observe([
      obs('host', 'web-1', Number.NaN, T0, 'cpu'),
      { series: 'host', key: 7 as unknown as string, value: 1, timestamp: T0, field: 'cpu' },
      obs('host', 'web-1', 1, Number.POSITIVE_INFINITY, 'cpu'),
      obs('host', 'web-1', 1, T0, 'cpu'),
    ]);
    const text = await registry.metrics();
    expect(text).toContain('tributary_alert_observations_total 4');
    expect(text).toContain('tributary_alert_observations_rejected_total 3');
    expect(text).toContain('tributary_alert_evaluations_total 1');
  });

  it('exposes alerts by state and severity, rules by type and silences by status', async () => {
    const registry = new Registry();
    const clock = new ManualClock(T0);
    const engine = await AlertEngine.open({
      registry,
      clock,
      config: {
        rules: [
          { ...cpu, severity: 'ratio' },
          { name: 'quiet', type: 'absence', series: 'host', after: '1m' },
        ],
      },
    });
    engine.observe([obs('host', 'web-1', 130, T0, 'cpu')]);
    engine.addSilence({ matchers: ['key="x"'], duration: '1h' });
    const text = await registry.metrics();
    expect(text).toContain('tributary_alerts{state="firing",severity="critical"} 1');
    expect(text).toContain('tributary_alerts{state="firing",severity="warning"} 1');
    expect(text).toContain('tributary_alerts{state="pending",severity="critical"} 0');
    expect(text).toContain('tributary_alert_rules{type="threshold"} 1');
    expect(text).toContain('tributary_alert_rules{type="absence"} 1');
    expect(text).toContain('tributary_alert_silences{status="active"} 1');
    expect(text).toContain('tributary_alert_transitions_total{to="firing"} 3');
  });
});

describe('observations', () => {
  it('from window results: one per numeric field, timed by the record', () => {
    expect(
      observationsFromResults('host-metrics', [
        {
          value: {
            key: 'web-1',
            start: 0,
            end: 10_000,
            cpu_pct: 42.5,
            mem_pct: 61,
            host: 'web-1',
            load1: null,
          },
          timestamp: 9_999,
        },
        { value: { key: 7, start: 10_000, end: 20_000, cpu_pct: 40 } },
        { value: 3.5, timestamp: 5, key: 'k' },
        { value: 'text' },
      ]),
    ).toEqual([
      { series: 'host-metrics', key: 'web-1', field: 'cpu_pct', value: 42.5, timestamp: 9_999 },
      { series: 'host-metrics', key: 'web-1', field: 'mem_pct', value: 61, timestamp: 9_999 },
      { series: 'host-metrics', key: '7', field: 'cpu_pct', value: 40, timestamp: 19_999 },
      { series: 'host-metrics', key: 'k', value: 3.5, timestamp: 5 },
    ]);
  });

  it('from the platform’s metrics, for rules on the platform itself', async () => {
    const registry = new Registry();
    const { Counter, Histogram } = await import('prom-client');
    new Counter({
      name: 'dead_letters_total',
      help: 'x',
      labelNames: ['pipeline'],
      registers: [registry],
    }).inc({ pipeline: 'p' }, 3);
    new Histogram({ name: 'latency_seconds', help: 'x', buckets: [1], registers: [registry] }).observe(0.5);
    const observations = await observationsFromMetrics(registry, T0);
    expect(observations).toEqual([
      { series: 'dead_letters_total', key: 'pipeline="p"', value: 3, timestamp: T0 },
      { series: 'latency_seconds_sum', key: '', value: 0.5, timestamp: T0 },
      { series: 'latency_seconds_count', key: '', value: 1, timestamp: T0 },
    ]);
  });
});
