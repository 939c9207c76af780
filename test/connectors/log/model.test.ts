/**
 * Random sequences of appends (some concurrent), reads and reopens, checked against the
 * simplest possible model of a log: an array.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type EmbeddedLog, openEmbeddedLog } from '../../../src/connectors/log/index.js';
import { tempDir } from './helpers.js';

type Operation =
  | { readonly kind: 'append'; readonly batches: readonly (readonly string[])[] }
  | { readonly kind: 'read'; readonly from: number; readonly maxRecords: number; readonly maxBytes: number }
  | { readonly kind: 'reopen' };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      batches: fc.array(fc.array(fc.string({ maxLength: 40 }), { minLength: 1, maxLength: 8 }), {
        minLength: 1,
        maxLength: 4,
      }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('read' as const),
      from: fc.nat(120),
      maxRecords: fc.integer({ min: 1, max: 30 }),
      maxBytes: fc.integer({ min: 1, max: 2000 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
);

describe('the log against an array', () => {
  it('agrees on every read, across rolls, index lookups and reopens', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(operation, { maxLength: 25 }),
        fc.integer({ min: 60, max: 1500 }),
        fc.integer({ min: 1, max: 300 }),
        async (operations, segmentBytes, indexIntervalBytes) => {
          const dir = await tempDir();
          const options = { dir, fsync: 'never' as const, segmentBytes, indexIntervalBytes };
          let log: EmbeddedLog = await openEmbeddedLog(options);
          const model: string[] = [];
          try {
            for (const op of operations) {
              if (op.kind === 'append') {
                // All batches at once: they are group-committed, yet keep call order.
                const results = await Promise.all(
                  op.batches.map((b) =>
                    log.append(
                      't',
                      b.map((v) => ({ value: Buffer.from(v) })),
                    ),
                  ),
                );
                for (const [i, b] of op.batches.entries()) {
                  expect(results[i]).toEqual({
                    baseOffset: model.length,
                    lastOffset: model.length + b.length - 1,
                  });
                  model.push(...b);
                }
              } else if (op.kind === 'read') {
                const { records, fromOffset, nextOffset } = await log.read('t', op.from, op);
                expect(fromOffset).toBe(op.from);
                const expected = model.slice(op.from, op.from + op.maxRecords);
                expect(records.length).toBeLessThanOrEqual(expected.length);
                if (expected.length > 0) expect(records.length).toBeGreaterThan(0);
                expect(records.map((r) => [r.offset, r.value.toString()])).toEqual(
                  expected.slice(0, records.length).map((v, i) => [op.from + i, v]),
                );
                expect(nextOffset).toBe(op.from + records.length);
              } else {
                await log.close();
                log = await openEmbeddedLog(options);
                expect(log.recovery).toEqual([]);
              }
              expect(log.endOffset('t')).toBe(model.length);
            }
          } finally {
            await log.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
