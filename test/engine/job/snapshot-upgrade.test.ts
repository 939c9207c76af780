/**
 * Checkpoints written before key groups (format 1, and format 2 while session windows and
 * event time still saved their whole state) are upgraded on restore: the job goes on as the
 * one that wrote them would have.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { count, sum } from '../../../src/engine/aggregators/index.js';
import { compile, type JobMeta, type JobSnapshot } from '../../../src/engine/job/job.js';
import { type JobSnapshotV1, upgradeSnapshot } from '../../../src/engine/job/snapshot-upgrade.js';
import { pipeline } from '../../../src/engine/plan/builder.js';
import { boundedOutOfOrderness } from '../../../src/engine/time/watermarks.js';
import { session, tumbling } from '../../../src/engine/windows/assigners.js';
import type { TributaryError } from '../../../src/errors.js';
import { PipelineTest } from '../../../src/testing/index.js';
import { interrupted, runsWithCut, uninterrupted } from '../properties/checkpoint-runs.js';
import { encodeV1 } from './format-v1.js';

interface Order {
  user: string;
  n: number;
}

/** Every operator kind that kept state in format 1, on one keyed stream of orders. */
const shop = (() => {
  const p = pipeline('shop');
  const orders = p.source<Order>('orders', { watermark: boundedOutOfOrderness(1_000) }).keyBy((o) => o.user);
  orders
    .window(tumbling('1m'), { name: 'per-minute' })
    .aggregate({ orders: count(), total: sum((o: Order) => o.n) })
    .sink('per-minute');
  orders
    .window(session('10s'), { lateness: '1m', name: 'visits' })
    .aggregate({ orders: count() })
    .sink('visits');
  orders
    .process<string, number>(
      {
        // Sums a key's orders up to the end of the minute: keys are due together.
        onEvent(o, ctx) {
          ctx.state.set((ctx.state.get() ?? 0) + o.n);
          ctx.timers.atEventTime(ctx.timestamp - (ctx.timestamp % 60_000) + 60_000);
        },
        onTimer(time, ctx) {
          ctx.emit(`${ctx.key} ${ctx.state.get()} @${time}`);
          ctx.state.clear();
        },
      },
      { name: 'quiet' },
    )
    .sink('quiet');
  orders.dedupe('5s', { name: 'once' }).sink('once');
  orders
    .intervalJoin(orders, { lower: '-2s', upper: '2s' }, (l, r) => `${l.n}+${r.n}`, { name: 'pairs' })
    .sink('pairs');
  return p.build();
})();

const SHOP_SINKS = ['per-minute', 'visits', 'quiet', 'once', 'pairs'];

const ann = (n: number) => ({ user: 'ann', n });
const bob = (n: number) => ({ user: 'bob', n });
// bob comes first, so that firing in saved order differs from firing by key.
const FIRST = [
  { value: bob(2), timestamp: 1_000 },
  { value: ann(1), timestamp: 2_000 },
  { value: ann(3), timestamp: 3_000 },
];
const LATER = [
  [
    { value: ann(5), timestamp: 4_000 },
    { value: bob(6), timestamp: 30_000 },
  ],
  [{ value: { user: 'cy', n: 7 }, timestamp: 100_000 }],
];

const plain = (watermark: number, inputs: number) => ({
  watermark,
  idle: false,
  inputs: new Array(inputs).fill(watermark),
  inputIdle: new Array(inputs).fill(false),
});

/**
 * What format 1 held after the orders of `FIRST` (watermark 1.999s), written out by hand in
 * the shapes of the operators' `snapshot()` at commit 440b9f3.
 */
const V1: JobSnapshotV1 = {
  version: 1,
  pipeline: 'shop',
  nodes: {
    'source:orders': { ...plain(1_999, 0), state: { emitted: 1_999, splits: [['orders', 3_000]] } },
    'keyBy#1': plain(1_999, 1),
    // Window [0s, 1m): bob joined first; the accumulator is [orders, total].
    'per-minute': {
      ...plain(1_999, 1),
      state: {
        firedUpTo: 1_999,
        windows: [
          [
            0,
            [
              ['bob', [1, 2]],
              ['ann', [2, 4]],
            ],
          ],
        ],
      },
    },
    'sink:per-minute': plain(1_999, 1),
    // ann's session grew from [2s, 12s) and kept its first timer (11.999s): timers are lazy.
    visits: {
      ...plain(1_999, 1),
      state: {
        firedUpTo: 1_999,
        sessions: [
          ['bob', [[1_000, 11_000, 1]]],
          ['ann', [[2_000, 13_000, 2]]],
        ],
        timers: [
          ['bob', 1_000, 10_999],
          ['ann', 2_000, 11_999],
        ],
      },
    },
    'sink:visits': plain(1_999, 1),
    quiet: {
      ...plain(1_999, 1),
      // ann registered 1m twice: one timer.
      state: {
        state: [
          ['bob', 2],
          ['ann', 4],
        ],
        timers: [
          ['event', 'bob', 60_000],
          ['event', 'ann', 60_000],
        ],
      },
    },
    'sink:quiet': plain(1_999, 1),
    // ann@3s came less than 5s after ann@1s: dropped, not remembered.
    once: {
      ...plain(1_999, 1),
      state: {
        watermark: 1_999,
        seen: [
          ['bob', 1_000],
          ['ann', 2_000],
        ],
      },
    },
    'sink:once': plain(1_999, 1),
    pairs: {
      ...plain(1_999, 2),
      state: {
        left: [
          ['bob', [[bob(2), 1_000]]],
          [
            'ann',
            [
              [ann(1), 2_000],
              [ann(3), 3_000],
            ],
          ],
        ],
        right: [
          ['bob', [[bob(2), 1_000]]],
          [
            'ann',
            [
              [ann(1), 2_000],
              [ann(3), 3_000],
            ],
          ],
        ],
      },
    },
    'sink:pairs': plain(1_999, 1),
  },
};

const metaAndEntries = (snapshot: JobSnapshot, id: string) => {
  const { meta, entries } = snapshot.nodes[id];
  return { meta, entries };
};

describe('a format-1 checkpoint, upgraded', () => {
  const upgraded = upgradeSnapshot(V1, shop);

  it('keeps every node and its watermarks', () => {
    expect(upgraded.version).toBe(2);
    expect(Object.keys(upgraded.nodes)).toEqual(Object.keys(V1.nodes));
    expect(upgraded.nodes['keyBy#1']).toEqual(plain(1_999, 1));
    expect(upgraded.nodes.pairs).toMatchObject(plain(1_999, 2));
  });

  it('event time: its progress becomes meta as it was (silent for 0 ms, as format 1 restored it)', () => {
    expect(metaAndEntries(upgraded, 'source:orders')).toEqual({
      meta: { emitted: 1_999, splits: [['orders', 3_000]] },
      entries: undefined,
    });
  });

  it('tumbling windows: an entry per key and window, numbered in the order keys joined it', () => {
    expect(metaAndEntries(upgraded, 'per-minute')).toEqual({
      meta: { firedUpTo: 1_999, nextOrder: 2 },
      entries: [
        ['bob', 0, [0, [1, 2]]],
        ['ann', 0, [1, [2, 4]]],
      ],
    });
  });

  it('session windows: an entry per key, each timer numbered by its place in the saved firing order', () => {
    expect(metaAndEntries(upgraded, 'visits')).toEqual({
      meta: { firedUpTo: 1_999, seq: 2 },
      entries: [
        ['bob', 0, [[1_000, 11_000, 1, [10_999, 0]]]],
        ['ann', 0, [[2_000, 13_000, 2, [11_999, 1]]]],
      ],
    });
  });

  it('process: state and timers per key, timers numbered in firing order', () => {
    expect(metaAndEntries(upgraded, 'quiet')).toEqual({
      meta: { seq: { event: 2, processing: 0 } },
      entries: [
        ['bob', 0, { s: 2, t: [['event', 60_000, 0]] }],
        ['ann', 0, { s: 4, t: [['event', 60_000, 1]] }],
      ],
    });
  });

  it('dedupe: the remembered times per key', () => {
    expect(metaAndEntries(upgraded, 'once')).toEqual({
      meta: { watermark: 1_999 },
      entries: [
        ['bob', 0, [1_000]],
        ['ann', 0, [2_000]],
      ],
    });
  });

  it('interval join: both sides of a key in one entry', () => {
    const both = {
      bob: [[bob(2), 1_000]],
      ann: [
        [ann(1), 2_000],
        [ann(3), 3_000],
      ],
    };
    expect(metaAndEntries(upgraded, 'pairs')).toEqual({
      meta: undefined,
      entries: [
        ['bob', 0, { l: both.bob, r: both.bob }],
        ['ann', 0, { l: both.ann, r: both.ann }],
      ],
    });
  });

  it('restored, goes on as the job that wrote it would have', () => {
    const straight = new PipelineTest(shop).pushRecords('orders', FIRST);
    const before = Object.fromEntries(SHOP_SINKS.map((sink) => [sink, straight.records(sink).length]));
    const restored = new PipelineTest(shop).restore(JSON.parse(JSON.stringify(V1)));
    for (const batch of LATER) {
      straight.pushRecords('orders', batch);
      restored.pushRecords('orders', batch);
    }
    for (const sink of SHOP_SINKS) {
      expect(restored.records(sink), sink).toEqual(straight.records(sink).slice(before[sink]));
      expect(restored.records(sink).length, sink).toBeGreaterThan(0);
    }
    // Due at 1m together, the timers fire in the order they were registered: bob's first.
    expect(restored.values('quiet')).toEqual(['bob 8 @60000', 'ann 9 @60000']);
  });

  it('is what the test encoder (format-v1.ts) writes for the same job, the idleness format 1 gained later aside', () => {
    const job = new PipelineTest(shop).pushRecords('orders', FIRST).snapshot();
    const encoded = encodeV1(job, shop);
    expect(encoded.nodes['source:orders'].state).toEqual({
      emitted: 1_999,
      splits: [['orders', 3_000, 0]],
      runningFor: 0,
    });
    expect({ ...encoded.nodes, 'source:orders': V1.nodes['source:orders'] }).toEqual(V1.nodes);
  });
});

describe('a format-2 checkpoint with whole state', () => {
  // Format 2 kept the format-1 state of session windows and event time under `state`.
  const withState = (): JobSnapshot => {
    const current = upgradeSnapshot(V1, shop);
    const nodes: Record<string, unknown> = { ...current.nodes };
    for (const id of ['source:orders', 'visits']) nodes[id] = V1.nodes[id];
    return { ...current, nodes } as JobSnapshot;
  };

  it('is upgraded on restore like format 1', () => {
    expect(upgradeSnapshot(withState(), shop)).toEqual(upgradeSnapshot(V1, shop));
    const restored = new PipelineTest(shop).restore(withState());
    for (const batch of LATER) restored.pushRecords('orders', batch);
    expect(restored.values('visits')).toContainEqual({ key: 'ann', start: 2_000, end: 14_000, orders: 3 });
  });

  it('is refused as meta alone, whose whole state would be lost without a word', () => {
    const job = compile(shop);
    let error: TributaryError | undefined;
    try {
      job.loadMeta(withState() as JobMeta);
    } catch (caught) {
      error = caught as TributaryError;
    }
    expect(error?.code).toBe('TRB_SNAPSHOT_MISMATCH');
    expect(error?.message).toBe(
      'checkpoint of "shop" holds the whole state of source:orders, visits as checkpoints before key groups did; restore it with Job.restore, which upgrades it',
    );
  });
});

describe('format-1 checkpoints, upgraded (property)', () => {
  it('a job restored from one at any batch boundary goes on as one that never stopped', () => {
    fc.assert(
      fc.property(runsWithCut, ([run, cut]) => {
        const output = interrupted(run, cut, (stopped, fresh) => {
          const v1: JobSnapshotV1 = JSON.parse(JSON.stringify(encodeV1(stopped.snapshot(), fresh.plan)));
          fresh.job.restore(upgradeSnapshot(v1, fresh.plan));
        });
        expect(output).toEqual(uninterrupted(run));
      }),
      { numRuns: 150 },
    );
  });
});
