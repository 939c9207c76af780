import { describe, expect, it } from 'vitest';
import {
  AlertEngine,
  type ExpressionCompiler,
  type Observation,
  type PatternRuleDocument,
  type PatternSpec,
  patternAlerts,
  patternPipeline,
} from '../../src/alerts/index.js';
import { compileExpression } from '../../src/config/expressions.js';
import { boundedOutOfOrderness, pipeline } from '../../src/engine/index.js';
import { PipelineTest } from '../../src/testing/index.js';
import { ManualClock, RecordingNotifier } from './helpers.js';

interface Login {
  ip: string;
  user: string;
  success: boolean;
  ts: number;
}

const S = 1_000;
const fail = (ip: string, s: number, user = 'admin'): Login => ({ ip, user, success: false, ts: s * S });
const ok = (ip: string, s: number, user = 'admin'): Login => ({ ip, user, success: true, ts: s * S });

/** A pipeline of logins (2 s out-of-orderness) with one pattern; its signals to `alerts`, late logins to `late`. */
const detector = <T = Login>(spec: PatternSpec<T>) => {
  const p = pipeline('patterns');
  const logins = p.source<T>('logins', {
    time: (e) => (e as { ts: number }).ts,
    watermark: boundedOutOfOrderness('2s'),
  });
  const { observations, late } = patternAlerts(logins, spec);
  observations.sink('alerts');
  late.sink('late');
  return new PipelineTest(p);
};

const bruteForce: PatternSpec<Login> = {
  name: 'brute-force',
  key: (e) => e.ip,
  count: { where: (e) => !e.success, moreThan: 5, within: 60 * S },
};

/** Signals as `key@seconds=value`. */
const signals = (t: PipelineTest) =>
  t.values<Observation>('alerts').map((o) => `${o.key}@${o.timestamp / S}=${o.value}`);

describe('pattern: count in window (more than 5 failed logins from one IP within a minute)', () => {
  // event time (s)   0  10  20  30  40  45  50   …  70 (W passes 45+)   100 (W passes 70+)  105+
  // 203.0.113.7      x   x   x   x   x   x   x        6 in (−15, 45]: fires at 45 (count 6), 7 at 50
  //                                                   the 0 s and 10 s ones leave at 60 s and 70 s: 5 left → clear at 70
  it('fires on the sixth failure within a minute, counts on, and clears once the window has slid past', () => {
    const t = detector(bruteForce);
    t.push(
      'logins',
      [0, 10, 20, 30, 40].map((s) => fail('203.0.113.7', s)),
    );
    t.push('logins', [fail('203.0.113.7', 45), ok('203.0.113.7', 46), fail('203.0.113.7', 50)]);
    expect(signals(t)).toEqual(['203.0.113.7@45=6']); // the watermark (47.999 s) passed 45 s, not 50 s
    t.push('logins', [ok('10.0.0.1', 60)]); // the watermark moves to 57.999 s
    expect(signals(t)).toEqual(['203.0.113.7@45=6', '203.0.113.7@50=7']);
    t.push('logins', [ok('10.0.0.1', 80)]);
    expect(signals(t)).toEqual(['203.0.113.7@45=6', '203.0.113.7@50=7', '203.0.113.7@70=0']);
    expect(t.deadLetters).toEqual([]);
  });

  it('keeps IPs apart and ignores what `where` leaves out', () => {
    const t = detector(bruteForce);
    const events = [0, 1, 2, 3, 4, 5].flatMap((s) => [
      fail('10.0.0.1', s),
      ok('10.0.0.2', s),
      fail(s % 2 ? '10.0.0.3' : '10.0.0.4', s),
    ]);
    t.push('logins', events);
    t.push('logins', [ok('x', 100)]);
    expect(signals(t)).toEqual(['10.0.0.1@5=6', '10.0.0.1@60=0']);
  });

  it('gives the same signals whatever the arrival order within the watermark bound', () => {
    const inOrder = [0, 1, 2, 3, 4, 5, 6].map((s) => fail('203.0.113.9', s));
    // Arriving shuffled, each at most 1 s behind the newest: on time for a 2 s bound.
    const shuffled = [inOrder[1], inOrder[0], inOrder[2], inOrder[4], inOrder[3], inOrder[6], inOrder[5]];
    const a = detector(bruteForce);
    const b = detector(bruteForce);
    for (const e of inOrder) a.push('logins', [e]);
    for (const e of shuffled) b.push('logins', [e]);
    for (const t of [a, b]) t.push('logins', [ok('x', 200)]);
    expect(signals(b)).toEqual(signals(a));
    expect(signals(a)).toEqual(['203.0.113.9@5=6', '203.0.113.9@6=7', '203.0.113.9@61=0']);
    expect(b.values('late')).toEqual([]);
  });

  it('sends late failures (behind the watermark) to the late stream, uncounted', () => {
    const t = detector(bruteForce);
    t.push(
      'logins',
      [0, 10, 20, 30, 40].map((s) => fail('203.0.113.7', s)),
    );
    t.push('logins', [ok('10.0.0.1', 50)]); // watermark 47.999 s
    t.push('logins', [fail('203.0.113.7', 45)]); // 45 s ≤ watermark: late
    t.push('logins', [ok('10.0.0.1', 100)]);
    expect(signals(t)).toEqual([]);
    expect(t.values<Login>('late')).toEqual([fail('203.0.113.7', 45)]);
  });

  it('carries a half-seen burst through a checkpoint', () => {
    const burst = [0, 5, 10, 15, 20, 25, 30].map((s) => fail('203.0.113.7', s));
    const whole = detector(bruteForce);
    whole
      .push('logins', burst.slice(0, 3))
      .push('logins', burst.slice(3))
      .push('logins', [ok('x', 200)]);

    const first = detector(bruteForce);
    first.push('logins', burst.slice(0, 3));
    const checkpoint = first.snapshot();
    const second = detector(bruteForce).restore(checkpoint);
    second.push('logins', burst.slice(3)).push('logins', [ok('x', 200)]);
    expect(signals(second)).toEqual(signals(whole));
    expect(signals(whole)).toEqual(['203.0.113.7@25=6', '203.0.113.7@30=7', '203.0.113.7@65=0']);
  });
});

describe('pattern: sequence (A then B within T)', () => {
  const takeover: PatternSpec<Login> = {
    name: 'takeover',
    key: (e) => e.user,
    sequence: { first: (e) => !e.success, followedBy: (e) => e.success, within: 30 * S },
  };

  it('matches a failure followed by a success of the same user within 30 s, once per A', () => {
    const t = detector(takeover);
    t.push('logins', [fail('1.1.1.1', 0, 'alice'), ok('2.2.2.2', 20, 'alice'), ok('2.2.2.2', 25, 'alice')]);
    t.push('logins', [fail('1.1.1.1', 100, 'bob'), ok('2.2.2.2', 140, 'bob')]); // 40 s apart: no match
    t.push('logins', [fail('1.1.1.1', 200, 'carol'), ok('1.1.1.1', 230, 'carol')]); // exactly 30 s: a match
    t.push('logins', [ok('x', 300, 'x')]);
    expect(signals(t)).toEqual(['alice@20=1', 'carol@230=1']);
  });

  it('orders out-of-order arrivals before matching: B arriving before its A does not match', () => {
    const t = detector(takeover);
    t.push('logins', [ok('2.2.2.2', 11, 'dave'), fail('1.1.1.1', 10, 'dave')]);
    t.push('logins', [ok('2.2.2.2', 12, 'erin'), fail('1.1.1.1', 13, 'erin')]);
    t.push('logins', [ok('x', 100, 'x')]);
    expect(signals(t)).toEqual(['dave@11=1']);
  });
});

describe('pattern: A not followed by B within T', () => {
  interface Order {
    id: string;
    status: 'created' | 'paid';
    ts: number;
  }
  const unpaid: PatternSpec<Order> = {
    name: 'unpaid',
    key: (o) => o.id,
    notFollowed: {
      first: (o) => o.status === 'created',
      followedBy: (o) => o.status === 'paid',
      within: 15 * 60 * S,
    },
  };
  const order = (id: string, status: Order['status'], minutes: number): Order => ({
    id,
    status,
    ts: minutes * 60 * S,
  });
  const minutes = (t: PipelineTest) =>
    t.values<Observation>('alerts').map((o) => `${o.key}@${o.timestamp / 60 / S}m=${o.value}`);

  it('signals when the time runs out, and clears when B comes late', () => {
    const t = detector(unpaid);
    t.push('logins', [order('o-1', 'created', 0), order('o-2', 'created', 0), order('o-3', 'created', 1)]);
    t.push('logins', [order('o-1', 'paid', 10), order('o-3', 'paid', 16)]); // o-3 paid at exactly 15 min: in time
    t.push('logins', [order('tick', 'paid', 17)]);
    expect(minutes(t)).toEqual(['o-2@15m=1']);
    t.push('logins', [order('o-2', 'paid', 20), order('tick', 'paid', 30)]);
    expect(minutes(t)).toEqual(['o-2@15m=1', 'o-2@20m=0']);
  });
});

/** The configuration's expression language (CEL), as the runtime will pass it. */
const cel: ExpressionCompiler = (text, use, field) => compileExpression(text, { use, label: field }).evaluate;

describe('pattern rules from the configuration, end to end into the alert engine', () => {
  const rule: PatternRuleDocument = {
    name: 'brute-force',
    type: 'pattern',
    source: 'logins',
    time: 'ts',
    watermark: '2s',
    key: 'ip',
    count: { where: 'success == false', more_than: 5, within: '1m' },
    severity: 'critical',
    annotations: { summary: '{{ value }} failed logins from {{ key }} within a minute' },
  };

  it('compiles the rule to a pipeline whose signals fire and resolve a critical alert', async () => {
    const t = new PipelineTest(patternPipeline(rule, cel), { now: 1_000_000 });
    const clock = new ManualClock(1_000_000);
    const notifier = new RecordingNotifier();
    const engine = await AlertEngine.open({
      clock,
      config: {
        rules: [rule],
        receivers: [{ name: 'ops' }],
        route: { receiver: 'ops', group_wait: 0, group_interval: '5s' },
      },
      receivers: { ops: [notifier] },
    });
    const step = async (events: Login[]) => {
      t.output.clear();
      t.push('logins', events);
      engine.observe(t.values<Observation>('alerts'));
      clock.advance('1s');
      engine.tick();
      await engine.settled();
    };

    await step([0, 1, 2, 3, 4, 5, 6, 7].map((s) => fail('203.0.113.7', s)));
    await step([ok('10.0.0.1', 10)]);
    expect(
      engine.alerts({ state: 'firing' }).map((a) => [a.severity, a.labels.key, a.annotations.summary]),
    ).toEqual([['critical', '203.0.113.7', '8 failed logins from 203.0.113.7 within a minute']]);
    await step([ok('10.0.0.1', 80)]);
    clock.advance('5s');
    engine.tick();
    await engine.settled();
    expect(engine.alerts({ state: 'firing' })).toEqual([]);
    expect(notifier.summary()).toEqual([
      'firing: brute-force/203.0.113.7/critical=firing',
      'resolved: brute-force/203.0.113.7/critical=resolved',
    ]);
    expect(notifier.sent[0].alerts[0].labels).toMatchObject({ series: 'logins', alertname: 'brute-force' });
  });

  it('refuses a pattern rule whose expressions do not compile, naming the field', () => {
    expect(() => patternPipeline({ ...rule, count: { ...rule.count!, where: 'success ==' } }, cel)).toThrow(
      /count\.where/,
    );
    expect(() =>
      patternPipeline({ ...rule, sequence: { first: 'true', followed_by: 'true', within: '1m' } }, cel),
    ).toThrow(/exactly one of count, sequence or not_followed/);
  });

  it('is refused through the API, which cannot start its pipeline: added or replaced', async () => {
    const engine = await AlertEngine.open({ config: { rules: [rule] } });
    const refusal = /pattern rules run as steps of the pipelines, built from the configuration at start/;
    expect(() => engine.upsertRule({ ...rule, name: 'new', count: { ...rule.count!, where: '((' } })).toThrow(
      refusal,
    );
    expect(() => engine.upsertRule({ ...rule, source: '../../etc' })).toThrow(refusal);
    // Nor may another kind of rule take its name: its pipeline would go on reporting under it.
    expect(() =>
      engine.upsertRule({
        name: 'brute-force',
        type: 'threshold',
        series: 'logins',
        field: 'n',
        threshold: 1,
      }),
    ).toThrow(refusal);
    expect(engine.rules()).toEqual([rule]);
    await engine.close();
  });

  it('resolves a sequence alert resolve_after its last match', async () => {
    const clock = new ManualClock(0);
    const engine = await AlertEngine.open({
      clock,
      config: {
        rules: [
          {
            name: 'seq',
            type: 'pattern',
            source: 's',
            key: 'k',
            sequence: { first: 'a', followed_by: 'b', within: '1m' },
            resolve_after: '2m',
          },
        ],
      },
    });
    engine.observe([{ series: 'pattern:seq', key: 'u1', value: 1, timestamp: 5 }]);
    expect(engine.alerts({ state: 'firing' })).toHaveLength(1);
    clock.set(119_999);
    engine.tick();
    expect(engine.alerts({ state: 'firing' })).toHaveLength(1);
    clock.set(120_000);
    engine.tick();
    expect(engine.alerts({ state: 'firing' })).toHaveLength(0);
  });
});
