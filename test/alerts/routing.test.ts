import { describe, expect, it } from 'vitest';
import {
  AlertEngine,
  type AlertingDocument,
  needsUpdate,
  type RuleDocument,
  type SilenceDocument,
} from '../../src/alerts/index.js';
import type { TributaryError } from '../../src/errors.js';
import { ManualClock, obs, RecordingNotifier } from './helpers.js';

const T0 = Date.UTC(2025, 0, 1);
const S = 1_000;

const cpu: RuleDocument = {
  name: 'cpu-high',
  type: 'threshold',
  series: 'host',
  field: 'cpu',
  threshold: 80,
};
const mem: RuleDocument = {
  name: 'mem-high',
  type: 'threshold',
  series: 'host',
  field: 'mem',
  threshold: 90,
  severity: 'warning',
};

const setup = async (config: AlertingDocument, receivers: Record<string, RecordingNotifier>) => {
  const clock = new ManualClock(T0);
  const engine = await AlertEngine.open({
    clock,
    config,
    receivers: Object.fromEntries(Object.entries(receivers).map(([name, r]) => [name, [r]])),
  });
  /** At `seconds`: observe `[key, field, value]`s, tick, let notifications finish. */
  const at = async (seconds: number, ...values: [string, string, number][]) => {
    clock.set(T0 + seconds * S);
    engine.observe(values.map(([key, field, value]) => obs('host', key, value, T0 + seconds * S, field)));
    engine.tick();
    await engine.settled();
  };
  return { clock, engine, at };
};

const route = (extra: Partial<NonNullable<AlertingDocument['route']>> = {}) => ({
  receiver: 'ops',
  group_by: ['alertname'],
  group_wait: '10s',
  group_interval: '1m',
  repeat_interval: '1h',
  ...extra,
});

describe('grouping and de-duplication', () => {
  it('waits group_wait, so alerts of one group starting together go out in one notification', async () => {
    const ops = new RecordingNotifier();
    const { at } = await setup({ rules: [cpu], receivers: [{ name: 'ops' }], route: route() }, { ops });
    await at(0, ['web-1', 'cpu', 85]);
    await at(5, ['web-2', 'cpu', 86]);
    await at(9);
    expect(ops.sent).toHaveLength(0);
    await at(10);
    expect(ops.summary()).toEqual(['firing: cpu-high/web-1/warning=firing cpu-high/web-2/warning=firing']);
    expect(ops.sent[0].groupLabels).toEqual({ alertname: 'cpu-high' });
    expect(ops.sent[0].commonLabels).toEqual({
      alertname: 'cpu-high',
      field: 'cpu',
      series: 'host',
      severity: 'warning',
    });
  });

  it('tells a group’s changes at most every group_interval, and repeats an unchanged one after repeat_interval', async () => {
    const ops = new RecordingNotifier();
    const { at } = await setup({ rules: [cpu], receivers: [{ name: 'ops' }], route: route() }, { ops });
    await at(0, ['web-1', 'cpu', 85]);
    await at(10); // group_wait: first notification
    await at(20, ['web-2', 'cpu', 85]); // a new alert in the group…
    await at(69);
    expect(ops.sent).toHaveLength(1);
    await at(70); // …waits for the group's next flush
    expect(ops.summary()[1]).toBe('firing: cpu-high/web-1/warning=firing cpu-high/web-2/warning=firing');
    // The same values again and again: de-duplicated, nothing new to tell.
    for (let s = 80; s < 3600; s += 60) await at(s, ['web-1', 'cpu', 85], ['web-2', 'cpu', 85]);
    expect(ops.sent).toHaveLength(2);
    await at(3670); // an hour after the last notification, at a flush: repeated
    expect(ops.sent).toHaveLength(3);
  });

  it('sends a resolved notice, or with send_resolved off only clears the log', async () => {
    const ops = new RecordingNotifier(true);
    const quiet = new RecordingNotifier(false);
    const { at } = await setup(
      {
        rules: [cpu],
        receivers: [{ name: 'ops' }, { name: 'quiet' }],
        route: route({ routes: [{ receiver: 'quiet', continue: true }, { receiver: 'ops' }] }),
      },
      { ops, quiet },
    );
    await at(0, ['web-1', 'cpu', 85]);
    await at(10);
    await at(20, ['web-1', 'cpu', 50]);
    await at(70);
    expect(ops.summary()).toEqual([
      'firing: cpu-high/web-1/warning=firing',
      'resolved: cpu-high/web-1/warning=resolved',
    ]);
    expect(quiet.summary()).toEqual(['firing: cpu-high/web-1/warning=firing']);
    // After the notice, the resolved alert leaves its group and, later, the engine.
    await at(70 + 15 * 60);
    expect(quiet.sent).toHaveLength(1);
  });

  it('groups by every label with group_by: [...], one notification per alert', async () => {
    const ops = new RecordingNotifier();
    const { at } = await setup(
      { rules: [cpu], receivers: [{ name: 'ops' }], route: route({ group_by: ['...'] }) },
      { ops },
    );
    await at(0, ['web-1', 'cpu', 85], ['web-2', 'cpu', 85]);
    await at(10);
    expect(ops.sent).toHaveLength(2);
  });

  it('follows Alertmanager on when a group needs a notification', () => {
    const entry = { receiver: 'r', groupKey: 'g', firing: ['a', 'b'], resolved: [], at: 0 };
    expect(needsUpdate(undefined, ['a'], [], true, 100, 1)).toBe(true);
    expect(needsUpdate(undefined, [], ['a'], true, 100, 1)).toBe(false); // never told: no resolved-only notice
    expect(needsUpdate(entry, ['a'], [], true, 100, 1)).toBe(false); // fewer firing: nothing new
    expect(needsUpdate(entry, ['a', 'c'], [], true, 100, 1)).toBe(true);
    expect(needsUpdate(entry, ['a'], ['b'], true, 100, 1)).toBe(true);
    expect(needsUpdate(entry, ['a'], ['b'], false, 100, 1)).toBe(false);
    expect(needsUpdate(entry, [], ['a', 'b'], false, 100, 1)).toBe(true); // everything resolved
    expect(needsUpdate(entry, ['a', 'b'], [], true, 100, 100)).toBe(true); // repeat_interval passed
  });
});

describe('inhibition', () => {
  it('by default, a more severe level mutes the lower ones of the same alert; when it resolves they are told', async () => {
    const ops = new RecordingNotifier();
    const { at, engine } = await setup(
      { rules: [cpu], receivers: [{ name: 'ops' }], route: route({ group_wait: 0 }) },
      { ops },
    );
    await at(0, ['web-1', 'cpu', 130], ['web-2', 'cpu', 85]);
    expect(ops.summary()).toEqual(['firing: cpu-high/web-1/critical=firing cpu-high/web-2/warning=firing']);
    expect(engine.alerts({ muted: true }).map((a) => `${a.labels.key}/${a.severity}`)).toEqual([
      'web-1/error',
      'web-1/warning',
    ]);
    await at(30, ['web-1', 'cpu', 100]); // critical resolves; error is no longer muted
    await at(60);
    expect(ops.summary()[1]).toBe(
      'firing: cpu-high/web-1/error=firing cpu-high/web-2/warning=firing cpu-high/web-1/critical=resolved',
    );
  });

  it('takes inhibit rules: a host that is down mutes every other alert of that host', async () => {
    const ops = new RecordingNotifier();
    const down: RuleDocument = {
      name: 'host-down',
      type: 'threshold',
      series: 'host',
      field: 'up',
      op: '<',
      threshold: 1,
      severity: 'critical',
    };
    const { at } = await setup(
      {
        rules: [cpu, mem, down],
        receivers: [{ name: 'ops' }],
        route: route({ group_by: ['key'], group_wait: 0 }),
        inhibit_rules: [
          {
            source_matchers: ['alertname="host-down"'],
            target_matchers: ['alertname!="host-down"'],
            equal: ['key'],
          },
        ],
      },
      { ops },
    );
    await at(0, ['web-1', 'up', 0], ['web-1', 'cpu', 85], ['web-1', 'mem', 95], ['web-2', 'mem', 95]);
    expect(ops.summary().sort()).toEqual([
      'firing: host-down/web-1/critical=firing',
      'firing: mem-high/web-2/warning=firing',
    ]);
  });
});

describe('silences', () => {
  const open = async () => {
    const ops = new RecordingNotifier();
    const s = await setup(
      {
        rules: [cpu],
        receivers: [{ name: 'ops' }],
        route: route({ group_by: ['...'], group_wait: 0, group_interval: '10s' }),
      },
      { ops },
    );
    return { ...s, ops };
  };

  it('mute the alerts all their matchers match (=, !=, =~, !~) while active', async () => {
    const { at, engine, ops } = await open();
    engine.addSilence({
      matchers: ['key=~"web-.*"', 'key!="web-3"', 'severity="warning"', 'series!~"db.*"'],
      duration: '1h',
      created_by: 'ana',
      comment: 'deploy',
    });
    await at(0, ['web-1', 'cpu', 85], ['web-3', 'cpu', 85], ['db-1', 'cpu', 85]);
    expect(ops.summary().sort()).toEqual([
      'firing: cpu-high/db-1/warning=firing',
      'firing: cpu-high/web-3/warning=firing',
    ]);
    const web1 = engine.alerts().find((a) => a.labels.key === 'web-1')!;
    expect(web1.silencedBy).toHaveLength(1);
    expect(engine.silences()[0]).toMatchObject({ createdBy: 'ana', comment: 'deploy', status: 'active' });
  });

  it('notify what they muted once they expire, or once expired by hand', async () => {
    const { at, engine, ops } = await open();
    engine.addSilence({ matchers: ['key="web-1"'], duration: '30s' });
    const manual = engine.addSilence({ matchers: ['key="web-2"'], duration: '1h' });
    await at(0, ['web-1', 'cpu', 85], ['web-2', 'cpu', 85]);
    expect(ops.sent).toEqual([]);
    await at(29);
    expect(ops.sent).toEqual([]);
    await at(30);
    expect(ops.summary()).toEqual(['firing: cpu-high/web-1/warning=firing']);
    engine.expireSilence(manual.id);
    await at(40);
    expect(ops.summary()).toEqual([
      'firing: cpu-high/web-1/warning=firing',
      'firing: cpu-high/web-2/warning=firing',
    ]);
    expect(engine.silences().map((s) => s.status)).toEqual(['expired', 'expired']);
  });

  it('silence one alert by its fingerprint (the dashboard’s button)', async () => {
    const { at, engine, ops } = await open();
    engine.addSilence({
      matchers: ['alertname="cpu-high"'],
      starts_at: T0 + 5 * S,
      ends_at: new Date(T0 + 3600 * S).toISOString(),
    });
    await at(0, ['web-1', 'cpu', 85]);
    const fp = engine.alerts()[0].fingerprint;
    const silence = engine.silenceAlert(fp, { duration: '2h', createdBy: 'dashboard' });
    expect(silence.matchers.map((m) => `${m.name}${m.type}${m.value}`)).toEqual([
      'alertname=cpu-high',
      'field=cpu',
      'key=web-1',
      'series=host',
      'severity=warning',
    ]);
    expect(engine.alert(fp)!.silencedBy).toEqual([silence.id]);
    expect(ops.sent).toHaveLength(1); // notified at 0 s, before either silence began
  });

  it('match =~ in time linear in the label value, whatever the pattern (label values come from data)', async () => {
    const { engine } = await open();
    engine.addSilence({ matchers: ['key=~"(a+)+$"'], duration: '1h' });
    // 31 a's and a '!': ~2^31 steps for each check on a backtracking engine (9 s measured).
    engine.observe([obs('host', `${'a'.repeat(31)}!`, 150, 0, 'cpu')]);
    engine.tick(0);
    const alerts = engine.alerts();
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.flatMap((a) => a.silencedBy)).toEqual([]);
  });

  it('refuse bad silences with the field at fault', async () => {
    const { engine } = await open();
    expect(() => engine.addSilence({ matchers: [], duration: '1h' })).toThrow(
      /^silence\.matchers: must have at least 1 item \(e\.g\. \["alertname=\\"cpu-high\\""\]\)$/,
    );
    // What the API is sent is checked by the configuration's schema: every field, its type and bounds.
    const refusal = (doc: unknown) => {
      try {
        engine.addSilence(doc as SilenceDocument);
      } catch (error) {
        return error as TributaryError;
      }
      throw new Error(`accepted ${JSON.stringify(doc)}`);
    };
    expect(refusal({ matchers: [null], duration: '1m' })).toMatchObject({
      code: 'TRB_ALERT_INVALID',
      message: expect.stringMatching(/^silence\.matchers\[0\]: /),
    });
    expect(refusal({ matchers: ['key="a"'], duration: '1m', comment: 7, created_by: [] }).message).toMatch(
      /^silence\.created_by: must be a string, got \[\]; silence\.comment: must be a string, got 7$/,
    );
    expect(refusal({ matchers: ['key="a"'], duration: '1m', id: 'x'.repeat(201) }).message).toMatch(
      /^silence\.id: /,
    );
    expect(refusal({ matchers: ['alertname="x"'], ends_at: 1e308 }).message).toMatch(
      /^silence\.ends_at: 1e\+308 is out of range; a time is at most 8640000000000000 ms/,
    );
    expect(refusal({ matchers: ['alertname="x"'], duration: '300000000d' }).message).toMatch(
      /^silence\.duration: ends is out of range/,
    );
    expect(() => engine.addSilence({ matchers: ['key=~"("'], duration: '1h' })).toThrow(
      /is not a regular expression/,
    );
    expect(() => engine.addSilence({ matchers: ['key="a"'] })).toThrow(/give ends_at or duration/);
    expect(() => engine.expireSilence('nope')).toThrow(
      expect.objectContaining({ code: 'TRB_ALERT_NOT_FOUND' }),
    );
  });
});

describe('routes', () => {
  it('take the deepest matching routes: errors and criticals to e-mail (and on, with continue), db alerts to db, the rest to the top receiver', async () => {
    const ops = new RecordingNotifier();
    const email = new RecordingNotifier();
    const db = new RecordingNotifier();
    const { at } = await setup(
      {
        rules: [cpu, mem],
        receivers: [{ name: 'ops' }, { name: 'email' }, { name: 'db' }],
        inhibit_rules: [],
        route: route({
          group_wait: 0,
          group_by: ['alertname', 'severity'],
          routes: [
            { matchers: ['severity=~"error|critical"'], receiver: 'email', continue: true },
            { matchers: ['key=~"db-.*"'], receiver: 'db' },
            { matchers: ['alertname="mem-high"'], receiver: 'db' },
          ],
        }),
      },
      { ops, email, db },
    );
    await at(0, ['web-1', 'cpu', 130], ['db-1', 'mem', 95]);
    expect(email.summary().sort()).toEqual([
      'firing: cpu-high/web-1/critical=firing',
      'firing: cpu-high/web-1/error=firing',
    ]);
    expect(db.summary()).toEqual(['firing: mem-high/db-1/warning=firing']);
    // The top route takes only what no child route took.
    expect(ops.summary()).toEqual(['firing: cpu-high/web-1/warning=firing']);
  });

  it('refuses a route to a receiver nobody declared, and several receivers without a route', async () => {
    await expect(
      AlertEngine.open({ config: { receivers: [{ name: 'ops' }], route: { receiver: 'opz' } } }),
    ).rejects.toThrow(/route.receiver: no receiver is named "opz"; declared: ops/);
    await expect(AlertEngine.open({ config: { receivers: [{ name: 'a' }, { name: 'b' }] } })).rejects.toThrow(
      /give a route/,
    );
  });
});
