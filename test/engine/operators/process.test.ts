import { describe, expect, it } from 'vitest';
import { type KeyedProcessFunction, pipeline } from '../../../src/engine/index.js';
import { PipelineTest } from '../../../src/testing/index.js';

interface Login {
  ip: string;
  ok: boolean;
  ts: number;
}

interface BruteForce {
  ip: string;
  failures: number;
}

const failed = (ip: string, ts: number): Login => ({ ip, ok: false, ts });
const succeeded = (ip: string, ts: number): Login => ({ ip, ok: true, ts });

/** Alerts on the third failed login of an IP; a failure is forgotten a minute after it. */
const bruteForce: KeyedProcessFunction<string, Login, BruteForce, { failures: number }> = {
  onEvent(login, ctx) {
    if (login.ok) return ctx.state.clear();
    const failures = (ctx.state.get()?.failures ?? 0) + 1;
    ctx.state.set({ failures });
    if (failures === 3) ctx.emit({ ip: ctx.key, failures });
    ctx.timers.atEventTime(ctx.timestamp + 60_000);
  },
  onTimer(_time, ctx) {
    const failures = ctx.state.get()!.failures - 1;
    if (failures > 0) ctx.state.set({ failures });
    else ctx.state.clear();
  },
};

const detector = () =>
  new PipelineTest(
    pipeline('logins')
      .source<Login>('logins', { time: (l) => l.ts })
      .keyBy((l) => l.ip)
      .process(bruteForce, { name: 'brute-force' })
      .sink('alerts'),
  );

describe('process: keyed state', () => {
  it('keeps state per key', () => {
    const t = detector();
    t.push('logins', [failed('10.0.0.1', 1_000), failed('10.0.0.2', 2_000), failed('10.0.0.1', 3_000)]);
    t.push('logins', [failed('10.0.0.2', 4_000), failed('10.0.0.1', 5_000)]);
    expect(t.records('alerts')).toEqual([
      { value: { ip: '10.0.0.1', failures: 3 }, timestamp: 5_000, key: '10.0.0.1' },
    ]);
  });

  it('state cleared by one event starts over', () => {
    const t = detector();
    t.push('logins', [failed('ip', 1_000), failed('ip', 2_000), succeeded('ip', 3_000), failed('ip', 4_000)]);
    expect(t.values('alerts')).toEqual([]);
    expect(t.snapshot().nodes['brute-force'].entries).toMatchObject([['ip', 0, { s: { failures: 1 } }]]);
  });

  // event time   0s   1s   2s            62s   62.5s 62.6s 62.7s
  // ip                x    x                    x     x     x       3 failures within a minute alert
  // other                                 x(62s): W = 61.999s, the timer forgets the 1s failure
  // watermark                                   ^ 62.499s after 62.5s: the 2s failure is forgotten
  it('event-time timers let failures expire, so only failures close together alert', () => {
    const t = detector();
    t.push('logins', [failed('ip', 1_000), failed('ip', 2_000)]);
    t.push('logins', [failed('other', 62_000)]);
    t.push('logins', [failed('ip', 62_500)]);
    t.push('logins', [failed('ip', 62_600)]);
    expect(t.values('alerts')).toEqual([]);

    t.push('logins', [failed('ip', 62_700)]);
    expect(t.records('alerts')).toEqual([{ value: { ip: 'ip', failures: 3 }, timestamp: 62_700, key: 'ip' }]);
  });
});

interface Reminder {
  user: string;
  ts: number;
  at?: number;
  cancel?: number;
  processingAt?: number;
}

/** Sets (or cancels) reminders; each timer that fires emits a line describing itself. */
const reminders: KeyedProcessFunction<string, Reminder, string, never> = {
  onEvent(r, ctx) {
    if (r.at !== undefined) ctx.timers.atEventTime(r.at);
    if (r.cancel !== undefined) ctx.timers.cancel(r.cancel);
    if (r.processingAt !== undefined) ctx.timers.atProcessingTime(r.processingAt);
  },
  onTimer(time, ctx, domain) {
    ctx.emit(`${domain} ${ctx.key}@${time} (W ${ctx.watermark}, now ${ctx.now()})`);
  },
};

const reminderService = (fn = reminders) =>
  new PipelineTest(
    pipeline('reminders')
      .source<Reminder>('reminders', { time: (r) => r.ts })
      .keyBy((r) => r.user)
      .process(fn, { name: 'remind' })
      .sink('out'),
    { now: 0 },
  );

describe('process: timers', () => {
  // event time   0s   1s        10s      10.001s
  // user a            x sets a timer at 10s
  // watermark                   ^ 9.999s: not yet  ^ 10s: fires, stamped 10s
  it('an event-time timer fires once the watermark reaches its time', () => {
    const t = reminderService();
    t.push('reminders', [{ user: 'a', ts: 1_000, at: 10_000 }]);
    t.push('reminders', [{ user: 'b', ts: 10_000 }]);
    expect(t.values('out')).toEqual([]);

    t.push('reminders', [{ user: 'b', ts: 10_001 }]);
    expect(t.records('out')).toEqual([
      { value: 'event a@10000 (W 10000, now 0)', timestamp: 10_000, key: 'a' },
    ]);
  });

  it('timers fire in time order across keys; the same time registered twice fires once', () => {
    const t = reminderService();
    t.push('reminders', [
      { user: 'a', ts: 0, at: 3_000 },
      { user: 'b', ts: 0, at: 2_000 },
      { user: 'a', ts: 0, at: 1_000 },
      { user: 'a', ts: 0, at: 3_000 },
    ]);
    t.push('reminders', [{ user: 'c', ts: 60_000 }]);
    expect(t.values('out')).toEqual([
      'event a@1000 (W 59999, now 0)',
      'event b@2000 (W 59999, now 0)',
      'event a@3000 (W 59999, now 0)',
    ]);
  });

  it('a cancelled timer does not fire; cancelling is per key', () => {
    const t = reminderService();
    t.push('reminders', [
      { user: 'a', ts: 0, at: 5_000 },
      { user: 'b', ts: 0, at: 5_000 },
    ]);
    t.push('reminders', [{ user: 'a', ts: 1_000, cancel: 5_000 }]);
    t.push('reminders', [{ user: 'c', ts: 60_000 }]);
    expect(t.values('out')).toEqual(['event b@5000 (W 59999, now 0)']);
  });

  // processing time  0s        5s        10s
  // user a           x sets a processing-time timer at 10s
  // clock                      ^ 5s: no  ^ 10s: fires
  it('a processing-time timer fires when the clock reaches it', () => {
    const t = reminderService();
    t.push('reminders', [{ user: 'a', ts: 0, processingAt: 10_000 }]);
    t.advance('5s');
    expect(t.values('out')).toEqual([]);

    t.advance('5s');
    expect(t.values('out')).toEqual(['processing a@10000 (W -1, now 10000)']);
  });

  it('records see the watermark from before their batch, the clock, and may emit at any time', () => {
    const seen: string[] = [];
    const t = reminderService({
      onEvent(r, ctx) {
        seen.push(`${ctx.key}@${ctx.timestamp} W ${ctx.watermark} now ${ctx.now()}`);
        ctx.emit('echo', r.ts + 1);
      },
    });
    t.push('reminders', [{ user: 'a', ts: 5_000 }]);
    t.advance('3s');
    t.push('reminders', [{ user: 'b', ts: 7_000 }]);
    expect(seen).toEqual(['a@5000 W -Infinity now 0', 'b@7000 W 4999 now 3000']);
    expect(t.records('out').map((r) => [r.timestamp, r.key])).toEqual([
      [5_001, 'a'],
      [7_001, 'b'],
    ]);
  });
});

describe('process: failures', () => {
  it('an onEvent that throws dead-letters its record; other records and keys go on', () => {
    const t = new PipelineTest(
      pipeline('logins')
        .source<Login>('logins', { time: (l) => l.ts })
        .keyBy((l) => l.ip)
        .process<BruteForce>(
          {
            onEvent(login, ctx) {
              if (login.ip === 'bad') throw new Error('cannot parse ip');
              ctx.emit({ ip: ctx.key, failures: 0 });
            },
          },
          { name: 'check' },
        )
        .sink('out'),
    );
    t.push('logins', [failed('good', 1), failed('bad', 2), failed('good', 3)]);
    expect(t.values<BruteForce>('out').map((r) => r.ip)).toEqual(['good', 'good']);
    expect(t.deadLetters).toEqual([
      {
        pipeline: 'logins',
        operator: 'check',
        error: { name: 'Error', message: 'cannot parse ip' },
        value: failed('bad', 2),
        timestamp: 2,
        key: 'bad',
      },
    ]);
  });

  it('an onTimer that throws dead-letters the timer, with its key and time', () => {
    const t = reminderService({
      onEvent: reminders.onEvent,
      onTimer(time) {
        throw new Error(`no reminder text for ${time}`);
      },
    });
    t.push('reminders', [{ user: 'a', ts: 0, at: 1_000 }]);
    t.push('reminders', [{ user: 'b', ts: 5_000 }]);
    expect(t.deadLetters).toEqual([
      {
        pipeline: 'reminders',
        operator: 'remind',
        error: { name: 'Error', message: 'no reminder text for 1000' },
        value: { timer: 1_000, domain: 'event' },
        timestamp: 1_000,
        key: 'a',
      },
    ]);
  });

  it('a timer at a time that is not a finite number is refused', () => {
    const t = reminderService();
    t.push('reminders', [{ user: 'a', ts: 0, at: Number.NaN }]);
    expect(t.deadLetters.map((d) => d.error)).toEqual([
      {
        name: 'TributaryError',
        code: 'TRB_USER_FUNCTION',
        message: 'process: a timer time must be a finite number of ms, got NaN',
      },
    ]);
  });
});

describe('process: checkpoints', () => {
  it('state and pending timers of both domains survive a restore', () => {
    const t = reminderService();
    t.push('reminders', [{ user: 'a', ts: 0, at: 5_000, processingAt: 2_000 }]);
    t.restore(t.snapshot());

    t.advance('2s');
    t.push('reminders', [{ user: 'b', ts: 9_000 }]);
    expect(t.values('out')).toEqual([
      'processing a@2000 (W -1, now 2000)',
      'event a@5000 (W 8999, now 2000)',
    ]);

    const d = detector();
    d.push('logins', [failed('ip', 1_000), failed('ip', 2_000)]);
    d.restore(d.snapshot());
    d.push('logins', [failed('ip', 3_000)]);
    expect(d.values('alerts')).toEqual([{ ip: 'ip', failures: 3 }]);
  });

  // Timers were once re-registered key by key on restore, so timers of different keys due at
  // the same time fired in another order than in an uninterrupted run.
  it('fires timers of different keys due at the same time in their original order after a restore', () => {
    const plan = pipeline('timers')
      .source<{ key: string; at: number }>('in')
      .keyBy((r) => r.key)
      .process<string>({
        onEvent: (r, ctx) => ctx.timers.atEventTime(r.at),
        onTimer: (time, ctx) => ctx.emit(`${ctx.key}@${time}`),
      })
      .sink('fired')
      .build();
    const run = (restart: boolean) => {
      const t = new PipelineTest(plan);
      // Key a registers 20 first, then b and a both register 10: b's timer came first.
      for (const r of [
        { key: 'a', at: 20 },
        { key: 'b', at: 10 },
        { key: 'a', at: 10 },
      ]) {
        t.push('in', [r], { timestamps: [0] });
      }
      if (restart) t.restore(t.snapshot());
      t.push('in', [{ key: 'z', at: 1_000 }], { timestamps: [100] });
      return t.values('fired');
    };
    expect(run(false)).toEqual(['b@10', 'a@10', 'a@20']);
    expect(run(true)).toEqual(run(false));
  });
});
