import { describe, expect, it } from 'vitest';
import {
  boundedOutOfOrderness,
  count,
  hopping,
  type PlanNode,
  pipeline,
  sum,
  type TributaryError,
  tumbling,
} from '../../../src/engine/index.js';
import type { Click, Event, Purchase } from './events.js';

/** The shape of a plan without its functions: kind, id and inputs of each node. */
const shape = (nodes: readonly PlanNode[]) =>
  nodes.map((n) => `${n.kind} ${n.id} <- ${n.inputs.map((i) => `${i.node}:${i.port}`).join(', ') || '-'}`);

/** The error `build` throws, for a look at its code and message. */
const buildError = (build: () => unknown): TributaryError => {
  try {
    build();
  } catch (error) {
    return error as TributaryError;
  }
  throw new Error('it built');
};

describe('the plan', () => {
  const spendPerUser = () =>
    pipeline('spend')
      .source<Event>('events', { time: (e) => e.ts, watermark: boundedOutOfOrderness('5s') })
      .filter((e): e is Purchase => e.type === 'purchase')
      .keyBy((p) => p.user)
      .window(tumbling('1m'), { lateness: '30s', name: 'spend-per-user' })
      .aggregate({ purchases: count(), spend: sum((p) => p.amount) })
      .sink('spend');

  it('lists the nodes in the order they were made, each with the outputs it reads', () => {
    expect(shape(spendPerUser().build().nodes)).toEqual([
      'source source:events <- -',
      'eventTime eventTime#1 <- source:events:0',
      'filter filter#1 <- eventTime#1:0',
      'keyBy keyBy#1 <- filter#1:0',
      'window spend-per-user <- keyBy#1:0',
      'sink sink:spend <- spend-per-user:0',
    ]);
  });

  it('holds settings as plain data: durations in ms, windows and watermarks as values', () => {
    const plan = spendPerUser().build();
    const window = plan.nodes.find((n) => n.kind === 'window');
    expect(window).toMatchObject({
      kind: 'window',
      assigner: { kind: 'tumbling', size: 60_000, offset: 0 },
      time: 'event',
      lateness: 30_000,
      aggregation: { names: ['purchases', 'spend'] },
    });
    expect(plan.nodes[0]).toMatchObject({
      kind: 'source',
      source: 'events',
      watermark: { maxOutOfOrderness: 5_000 },
    });
    expect(plan.nodes.every((n) => Object.getPrototypeOf(n) === Object.prototype)).toBe(true);
  });

  it('is frozen: the plan, its node list, every node and every list of inputs', () => {
    const plan = spendPerUser().build();
    expect(Object.isFrozen(plan)).toBe(true);
    expect(Object.isFrozen(plan.nodes)).toBe(true);
    for (const node of plan.nodes) {
      expect(Object.isFrozen(node)).toBe(true);
      expect(Object.isFrozen(node.inputs)).toBe(true);
    }
    expect(() => {
      (plan.nodes as PlanNode[]).push(plan.nodes[0]);
    }).toThrow(TypeError);
    expect(() => {
      (plan.nodes[0] as { id: string }).id = 'renamed';
    }).toThrow(TypeError);
  });

  it('names operators kind#n by default, sources and sinks by their names', () => {
    const p = pipeline('names');
    const a = p.source<number>('a').map((n) => n + 1);
    a.map((n) => n * 2).sink('out');
    a.sink('out');
    expect(p.build().nodes.map((n) => n.id)).toEqual([
      'source:a',
      'map#1',
      'map#2',
      'sink:out',
      'sink:out#2',
    ]);
  });

  it('takes a name and a description for any operator', () => {
    const plan = pipeline('named')
      .source<number>('n', { name: 'numbers' })
      .map((n) => n * 2, { name: 'double', describe: 'n * 2' })
      .sink('out', { name: 'doubled' })
      .build();
    expect(plan.nodes.map((n) => [n.id, n.describe])).toEqual([
      ['numbers', undefined],
      ['double', 'n * 2'],
      ['doubled', undefined],
    ]);
  });

  it('puts branches on ports and late records of a window on port 1', () => {
    const p = pipeline('ports');
    const { big, otherwise } = p.source<number>('n').branch({ big: (n) => n > 100 });
    big.sink('big');
    const counts = otherwise
      .keyBy(() => 'all')
      .window(tumbling('1s'))
      .aggregate({ n: count() });
    counts.sink('counts');
    counts.late().sink('late');
    expect(shape(p.build().nodes)).toEqual([
      'source source:n <- -',
      'branch branch#1 <- source:n:0',
      'sink sink:big <- branch#1:0',
      'keyBy keyBy#1 <- branch#1:1',
      'window window#1 <- keyBy#1:0',
      'sink sink:counts <- window#1:0',
      'sink sink:late <- window#1:1',
    ]);
  });
});

describe('plan errors', () => {
  it('a stream that goes nowhere', () => {
    const p = pipeline('dangling');
    const numbers = p.source<number>('n');
    numbers.map((n) => n + 1);
    numbers.sink('out');
    const error = buildError(() => p.build());
    expect(error.code).toBe('TRB_INVALID_PLAN');
    expect(error.message).toBe(
      'pipeline "dangling": the stream out of "map#1" goes nowhere; end it with .sink(name)',
    );
  });

  it('a pipeline without a source, or without a name', () => {
    expect(() => pipeline('empty').build()).toThrow(
      'pipeline "empty": it has no source; start with .source(name)',
    );
    expect(() => pipeline('')).toThrow('pipeline: give the pipeline a name, e.g. pipeline("clicks")');
  });

  it('two operators with the same name', () => {
    const error = buildError(() =>
      pipeline('twins')
        .source<number>('n')
        .map((n) => n, { name: 'parse' })
        .map((n) => n, { name: 'parse' }),
    );
    expect(error.code).toBe('TRB_INVALID_PLAN');
    expect(error.message).toBe('pipeline "twins": two operators are named "parse"; names must be unique');
  });

  it('a source declared twice', () => {
    const p = pipeline('twice');
    p.source('clicks');
    expect(() => p.source('clicks')).toThrow(
      'pipeline "twice": source "clicks" is declared twice; declare it once and reuse the stream',
    );
  });

  it.each(['key', 'start', 'end'])('an aggregation named after the reserved result field "%s"', (name) => {
    const error = buildError(() =>
      pipeline('reserved')
        .source<Click>('clicks')
        .keyBy((c) => c.user)
        .window(tumbling('1m'))
        .aggregate({ [name]: count() }),
    );
    expect(error.code).toBe('TRB_RESERVED_FIELD');
    expect(error.message).toBe(
      `aggregate: "${name}" is a field of every window result (key, start, end); name the aggregation differently, e.g. "${name}Value"`,
    );
  });

  it('a branch named "otherwise"', () => {
    expect(() =>
      pipeline('branches')
        .source<number>('n')
        .branch({ otherwise: (n) => n > 0 }),
    ).toThrow('branch: "otherwise" is the branch for unmatched records; name yours differently');
  });

  it('union of streams from different pipelines', () => {
    const a = pipeline('a').source<number>('n');
    const b = pipeline('b').source<number>('n');
    expect(() => a.union(b)).toThrow('union: streams of different pipelines cannot be merged');
  });

  it.each([
    ['a window size', () => tumbling('1 minute'), 'window.size: "1 minute" is not a duration; use "1m"'],
    [
      'a window slide',
      () => hopping('1m', '10 secs'),
      'window.slide: "10 secs" is not a duration; use "10s"',
    ],
    [
      'allowed lateness',
      () =>
        pipeline('late')
          .source<Click>('clicks')
          .keyBy((c) => c.user)
          .window(tumbling('1m'), { lateness: '30 seconds' }),
      'window.lateness: "30 seconds" is not a duration; use "30s"',
    ],
    [
      'a dedupe horizon',
      () =>
        pipeline('d')
          .source<Click>('clicks')
          .dedupe('ten minutes', { by: (c) => c.user }),
      'dedupe.within: "ten minutes" is not a duration; use a string like',
    ],
    [
      'a zero dedupe horizon',
      () =>
        pipeline('d')
          .source<Click>('clicks')
          .dedupe(0, { by: (c) => c.user }),
      'dedupe.within: must be above 0, e.g. "10m"',
    ],
  ])('a bad duration: %s', (_what, make, message) => {
    expect(make).toThrow(expect.objectContaining({ code: 'TRB_INVALID_DURATION' }));
    expect(make).toThrow(message);
  });
});
