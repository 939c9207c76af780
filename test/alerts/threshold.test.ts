import { describe, expect, it } from 'vitest';
import { AlertEngine, type RuleDocument } from '../../src/alerts/index.js';
import { ManualClock, obs, RecordingNotifier } from './helpers.js';

const T0 = Date.UTC(2025, 0, 1);
const S = 1_000;

/** An engine with one rule, notifying a recorder at once (group_wait 0) and on every change after 10 s. */
const engineWith = async (rule: RuleDocument, options: { sendResolved?: boolean } = {}) => {
  const clock = new ManualClock(T0);
  const notifier = new RecordingNotifier(options.sendResolved ?? true);
  const engine = await AlertEngine.open({
    clock,
    config: {
      rules: [rule],
      receivers: [{ name: 'ops' }],
      route: {
        receiver: 'ops',
        group_by: ['alertname'],
        group_wait: 0,
        group_interval: '10s',
        repeat_interval: '1h',
      },
    },
    receivers: { ops: [notifier] },
  });
  /** Moves the clock to `at` seconds, observes `value` (if any) timed then, ticks, waits for notifications. */
  const at = async (seconds: number, value?: number, key = 'web-1') => {
    clock.set(T0 + seconds * S);
    if (value !== undefined) engine.observe([obs('host-metrics', key, value, T0 + seconds * S, 'cpu_pct')]);
    engine.tick();
    await engine.settled();
  };
  /** What a person would look at: the unmuted alerts and their states. */
  const visible = () =>
    engine
      .alerts({ muted: false, state: ['pending', 'firing'] })
      .map((a) => `${a.labels.key}/${a.severity}:${a.state}`);
  return { clock, engine, notifier, at, visible };
};

const cpu = (extra: Partial<RuleDocument> = {}): RuleDocument =>
  ({
    name: 'cpu-high',
    type: 'threshold',
    series: 'host-metrics',
    field: 'cpu_pct',
    threshold: 80,
    ...extra,
  }) as RuleDocument;

describe('threshold rules: severity', () => {
  it("follows the seeds' ratio: above 1.5× critical, above 1.2× error, otherwise warning", async () => {
    const { at, visible, notifier } = await engineWith(cpu());

    await at(0, 80); // not above the threshold
    expect(visible()).toEqual([]);
    await at(1, 80.5);
    expect(visible()).toEqual(['web-1/warning:firing']);
    await at(12, 96); // exactly 1.2×: still a warning
    expect(visible()).toEqual(['web-1/warning:firing']);
    await at(24, 96.5);
    expect(visible()).toEqual(['web-1/error:firing']); // the warning is inhibited, still firing
    await at(36, 120);
    expect(visible()).toEqual(['web-1/error:firing']);
    await at(48, 121);
    expect(visible()).toEqual(['web-1/critical:firing']);

    expect(notifier.summary()).toEqual([
      'firing: cpu-high/web-1/warning=firing',
      'firing: cpu-high/web-1/error=firing',
      'firing: cpu-high/web-1/critical=firing',
    ]);
  });

  it('takes explicit bands, also downward (free disk below a bound)', async () => {
    const { at, visible } = await engineWith(
      cpu({ name: 'disk-low', field: 'cpu_pct', op: '<', severity: { warning: 20, error: 10, critical: 5 } }),
    );
    await at(0, 50);
    expect(visible()).toEqual([]);
    await at(1, 15);
    expect(visible()).toEqual(['web-1/warning:firing']);
    await at(2, 4);
    expect(visible()).toEqual(['web-1/critical:firing']);
    await at(3, 30);
    expect(visible()).toEqual([]);
  });

  it('takes one fixed level', async () => {
    const { at, engine } = await engineWith(cpu({ severity: 'critical' }));
    await at(0, 81);
    expect(engine.alerts().map((a) => a.severity)).toEqual(['critical']);
  });

  it('judges each key on its own, and a rule for one key only that key', async () => {
    const { at, engine } = await engineWith(cpu({ key: 'db-1' }));
    await at(0, 99, 'web-1');
    await at(1, 99, 'db-1');
    expect(engine.alerts().map((a) => a.labels.key)).toEqual(['db-1', 'db-1']);
  });

  it('ignores a value older than the newest of its key (a late window update)', async () => {
    const { clock, engine } = await engineWith(cpu());
    engine.observe([obs('host-metrics', 'web-1', 90, T0 + 20 * S, 'cpu_pct')]);
    engine.observe([obs('host-metrics', 'web-1', 10, T0 + 10 * S, 'cpu_pct')]);
    clock.set(T0 + 30 * S);
    engine.tick();
    expect(engine.alerts({ state: 'firing' }).map((a) => a.value)).toEqual([90]);
  });
});

describe('threshold rules: for and hysteresis', () => {
  //  clock        0s    10s   20s   29s   30s
  //  cpu_pct      95    95    95                 for: 30s
  //  alert        pending ──────────────── firing (at the 30 s tick, with no new value)
  it('stays pending until the condition held for `for`, then fires on a tick', async () => {
    const { at, engine, notifier } = await engineWith(cpu({ for: '30s', severity: 'warning' }));
    await at(0, 95);
    await at(10, 95);
    await at(20, 95);
    await at(29);
    expect(engine.alerts().map((a) => a.state)).toEqual(['pending']);
    expect(notifier.sent).toHaveLength(0);

    await at(30);
    expect(engine.alerts().map((a) => a.state)).toEqual(['firing']);
    expect(notifier.summary()).toEqual(['firing: cpu-high/web-1/warning=firing']);
  });

  it('drops a pending alert whose condition stops before `for`, without a notification', async () => {
    const { at, engine, notifier } = await engineWith(cpu({ for: '30s', severity: 'warning' }));
    await at(0, 95);
    await at(20, 70);
    await at(60);
    expect(engine.alerts()).toEqual([]);
    expect(notifier.sent).toEqual([]);
    expect((await engine.history()).map((t) => `${t.from}→${t.to}`)).toEqual([
      'pending→inactive',
      'inactive→pending',
    ]);
  });

  // A value wobbling around 80 every 5 s for two minutes.
  const flapping = [
    81, 79, 82, 78, 81, 79, 83, 77, 81, 79, 82, 78, 81, 79, 83, 77, 81, 79, 82, 78, 81, 79, 83, 77,
  ];

  it('without hysteresis or for, a flapping value fires and resolves again and again', async () => {
    const { at, engine, notifier } = await engineWith(cpu({ severity: 'warning' }));
    for (const [i, value] of flapping.entries()) await at(i * 5, value);
    // The alert itself churns: every flap is a transition in the history…
    expect((await engine.history({ limit: 1000 })).length).toBe(flapping.length);
    // …though the receiver hears it once: at every 10 s flush the alert happens to be firing again.
    expect(notifier.summary()).toEqual(['firing: cpu-high/web-1/warning=firing']);
  });

  it('with hysteresis, fires once and resolves only below threshold − margin', async () => {
    const { at, engine, notifier } = await engineWith(cpu({ severity: 'warning', hysteresis: 5 }));
    for (const [i, value] of flapping.entries()) await at(i * 5, value);
    expect(notifier.summary()).toEqual(['firing: cpu-high/web-1/warning=firing']);
    expect((await engine.history()).map((t) => `${t.from}→${t.to}`)).toEqual(['inactive→firing']);

    await at(200, 76); // above 80 − 5: still firing
    expect(engine.alerts().map((a) => a.state)).toEqual(['firing']);
    await at(205, 74.9);
    await at(220);
    expect(notifier.summary()).toEqual([
      'firing: cpu-high/web-1/warning=firing',
      'resolved: cpu-high/web-1/warning=resolved',
    ]);
  });

  it('takes the margin as a percentage of each bound', async () => {
    const { at, engine } = await engineWith(cpu({ hysteresis: '10%' }));
    await at(0, 130); // warning (80), error (96), critical (120)
    await at(1, 110); // critical holds above 120 − 12 = 108
    expect(engine.alerts({ state: 'firing' }).map((a) => a.severity)).toEqual([
      'critical',
      'error',
      'warning',
    ]);
    await at(2, 107);
    expect(engine.alerts({ state: 'firing' }).map((a) => a.severity)).toEqual(['error', 'warning']);
  });

  it('with for, a value that keeps dipping below the bound never fires', async () => {
    const { at, engine, notifier } = await engineWith(cpu({ severity: 'warning', for: '20s' }));
    for (const [i, value] of flapping.entries()) await at(i * 5, value);
    expect(notifier.sent).toEqual([]);
    expect(engine.alerts({ state: 'firing' })).toEqual([]);
  });

  it('with hysteresis and for, a sustained wobble above the release bound fires once', async () => {
    const { at, notifier } = await engineWith(cpu({ severity: 'warning', for: '20s', hysteresis: 5 }));
    for (const [i, value] of flapping.entries()) await at(i * 5, value);
    expect(notifier.summary()).toEqual(['firing: cpu-high/web-1/warning=firing']);
  });
});

describe('threshold rules: checks', () => {
  it.each([
    [{ threshold: -5 }, /severity by ratio needs a threshold above 0/],
    [{ threshold: undefined }, /threshold: a finite number is required/],
    [{ severity: { warning: 90, critical: 80 } }, /critical: 80 must be above the warning bound 90/],
    [{ severity: 'fatal' }, /is not ratio, a level/],
    [{ hysteresis: 'lots' }, /hysteresis/],
    [{ for: '1 minute' }, /"1 minute" is not a duration; use "1m"/],
    [{ labels: { severity: 'x' } }, /labels.severity: the engine sets this label itself/],
  ])('refuses %j with a message naming the field', async (extra, message) => {
    await expect(
      AlertEngine.open({ config: { rules: [cpu(extra as Partial<RuleDocument>)] } }),
    ).rejects.toThrow(message);
  });

  it('refuses two rules with one name', async () => {
    await expect(AlertEngine.open({ config: { rules: [cpu(), cpu()] } })).rejects.toMatchObject({
      code: 'TRB_ALERT_INVALID',
      message: expect.stringContaining('alerts.rules[1].name'),
    });
  });
});

describe('threshold rules: a key that stops reporting', () => {
  it('resolves after 5 minutes of silence when its results came every minute, and is told', async () => {
    const { at, visible, notifier } = await engineWith(cpu({ severity: 'warning' }));
    for (let s = 0; s <= 120; s += 60) {
      await at(s, 90); // web-1 over the bound, every minute
      await at(s, 10, 'web-2'); // web-2 fine
    }
    expect(visible()).toEqual(['web-1/warning:firing']);
    await at(120 + 299); // web-1 silent since 120 s
    expect(visible()).toEqual(['web-1/warning:firing']);
    await at(120 + 300);
    expect(visible()).toEqual([]);
    expect(notifier.sent.map((n) => n.alerts.map((a) => a.status))).toEqual([['firing'], ['resolved']]);
  });

  it('waits 3 of its intervals for a key whose results come further apart than that', async () => {
    const { at, visible } = await engineWith(cpu({ severity: 'warning' }));
    await at(0, 90);
    await at(600, 90); // every 10 minutes: a 10-minute window's results
    await at(600 + 1_799);
    expect(visible()).toEqual(['web-1/warning:firing']);
    await at(600 + 1_800);
    expect(visible()).toEqual([]);
  });

  it('takes resolve_after as given, and keeps a key that reports firing', async () => {
    const { at, visible } = await engineWith(
      cpu({ severity: 'warning', resolve_after: '2m' } as Partial<RuleDocument>),
    );
    await at(0, 90);
    await at(0, 90, 'web-2');
    for (let s = 60; s <= 240; s += 60) await at(s, 95, 'web-2');
    expect(visible()).toEqual(['web-2/warning:firing']);
  });
});

describe('threshold rules: many keys', () => {
  it('keeps every key apart past the first slots it reserved', async () => {
    const { at, visible } = await engineWith(cpu({ severity: 'warning' }));
    for (let k = 0; k < 40; k++) await at(k, k % 2 === 0 ? 90 : 10, `web-${k}`);
    expect(visible().sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `web-${2 * i}/warning:firing`).sort(),
    );
    // Each key's silence is its own: the early keys resolve first.
    await at(38 + 299);
    expect(visible()).toEqual(['web-38/warning:firing']);
    await at(38 + 300);
    expect(visible()).toEqual([]);
  });
});
