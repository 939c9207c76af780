/**
 * Each Nexmark query's results equal its reference implementation's over the same events:
 * in order and out of order, at the published suite's event rate (all events in a few ms
 * of event time, every window closed by the end of input) and at a slow one (many windows,
 * closed as the watermark moves).
 */
import { describe, expect, it } from 'vitest';
import { generateEvents } from '../../../bench/nexmark/generator.js';
import { QUERIES } from '../../../bench/nexmark/queries/index.js';
import { canonical, collectResults, toInputBatches } from '../../../bench/nexmark/run-query.js';
import { yamlQueries } from '../../../bench/nexmark/yaml-queries.js';

const INPUTS = [
  { label: 'in order, 10 M events/s', events: 30_000, config: {} },
  { label: 'in order, 500 events/s', events: 30_000, config: { firstEventRate: 500 } },
  {
    label: 'out of order, 2,000 events/s',
    events: 30_000,
    config: { firstEventRate: 2_000, outOfOrderGroupSize: 400, seed: 7 },
  },
];

describe.each(INPUTS)('Nexmark queries, $label', ({ events, config }) => {
  const input = generateEvents(events, config);
  const batches = toInputBatches(input, 512);

  it.each(QUERIES.map((q) => [q.name, q] as const))('%s equals its reference', (_name, query) => {
    const results = collectResults(query.plan(input), batches);
    const expected = query.reference(input);
    expect(results.length).toBe(expected.length);
    expect(canonical(results)).toEqual(canonical(expected));
  });
});

describe('the results are not trivial', () => {
  it('every query has results on a slow input, and the windowed ones see several windows', () => {
    const input = generateEvents(30_000, { firstEventRate: 500 });
    const sizes = Object.fromEntries(QUERIES.map((q) => [q.name, q.reference(input).length]));
    for (const [name, size] of Object.entries(sizes)) expect(size, name).toBeGreaterThan(0);
    const q5Windows = new Set(
      QUERIES.find((q) => q.name === 'q5')!
        .reference(input)
        .map((r: any) => r.start),
    );
    expect(q5Windows.size).toBeGreaterThan(20);
  });
});

describe('the YAML forms of q0–q2', () => {
  it('give the same results as the TypeScript pipelines', async () => {
    const plans = await yamlQueries();
    expect([...plans.keys()].sort()).toEqual(['q0', 'q1', 'q2']);
    const input = generateEvents(20_000, { outOfOrderGroupSize: 50 });
    const batches = toInputBatches(input, 512);
    for (const [name, plan] of plans) {
      const query = QUERIES.find((q) => q.name === name)!;
      expect(canonical(collectResults(plan, batches)), name).toEqual(canonical(query.reference(input)));
    }
  });
});
