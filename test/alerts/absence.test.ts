import { describe, expect, it } from 'vitest';
import { AlertEngine, type RuleDocument } from '../../src/alerts/index.js';
import { ManualClock, obs, RecordingNotifier } from './helpers.js';

const T0 = Date.UTC(2025, 0, 1);
const S = 1_000;

const open = async (rule: Partial<RuleDocument>) => {
  const clock = new ManualClock(T0);
  const notifier = new RecordingNotifier();
  const engine = await AlertEngine.open({
    clock,
    config: {
      rules: [
        { name: 'sensor-silent', type: 'absence', series: 'sensors', after: '1m', ...rule } as RuleDocument,
      ],
      receivers: [{ name: 'ops' }],
      route: { receiver: 'ops', group_wait: 0, group_interval: '10s' },
    },
    receivers: { ops: [notifier] },
  });
  /** Processing time `seconds`; the keys given report a reading then. */
  const at = async (seconds: number, ...keys: string[]) => {
    clock.set(T0 + seconds * S);
    engine.observe(keys.map((k) => obs('sensors', k, 21.5, T0 + seconds * S, 'temp_c')));
    engine.tick();
    await engine.settled();
  };
  const firing = () => engine.alerts({ state: 'firing' }).map((a) => a.labels.key ?? '(series)');
  return { at, engine, notifier, firing };
};

describe('absence rules', () => {
  //  processing time  0s    30s   59s   60s     118s   119s     125s
  //  dev-1            x     x     x                    firing
  //  dev-2            x                 firing                    x: resolved
  it('fire per key once a key has been silent for `after`, and resolve when it reports again', async () => {
    const { at, firing, notifier, engine } = await open({});
    await at(0, 'dev-1', 'dev-2');
    await at(30, 'dev-1');
    await at(59, 'dev-1');
    expect(firing()).toEqual([]);
    await at(60);
    expect(firing()).toEqual(['dev-2']);
    await at(118);
    expect(firing()).toEqual(['dev-2']); // dev-1 silent for 59 s
    await at(119);
    expect(firing().sort()).toEqual(['dev-1', 'dev-2']);
    await at(125, 'dev-2');
    expect(firing()).toEqual(['dev-1']);
    expect(engine.alerts({ state: 'firing' })[0].annotations.summary).toBe(
      'no data from sensors [dev-1] for 1m6s',
    );
    expect(notifier.summary().at(-1)).toBe(
      'firing: sensor-silent/dev-1/warning=firing sensor-silent/dev-2/warning=resolved',
    );
  });

  it('expects listed keys from the start, even if they never report', async () => {
    const { at, firing } = await open({ keys: ['dev-9'] });
    await at(59);
    expect(firing()).toEqual([]);
    await at(60);
    expect(firing()).toEqual(['dev-9']);
  });

  it('with scope series, watches the series as a whole', async () => {
    const { at, firing, engine } = await open({ scope: 'series' });
    await at(0, 'dev-1');
    await at(50, 'dev-2');
    await at(109);
    expect(firing()).toEqual([]);
    await at(110);
    expect(firing()).toEqual(['(series)']);
    expect(engine.alerts()[0].labels).toEqual({
      alertname: 'sensor-silent',
      series: 'sensors',
      severity: 'warning',
    });
  });

  it('with a field, only observations of that field count', async () => {
    const { at, firing } = await open({ field: 'humidity' });
    await at(0, 'dev-1'); // temp_c only
    await at(61);
    expect(firing()).toEqual([]); // never seen with humidity: unknown key
  });

  it('grades by how long the silence lasted with severity ratio', async () => {
    const { at, engine } = await open({ severity: 'ratio' });
    await at(0, 'dev-1');
    await at(91);
    expect(engine.alerts({ state: 'firing' }).map((a) => a.severity)).toEqual([
      'critical',
      'error',
      'warning',
    ]);
  });
});
