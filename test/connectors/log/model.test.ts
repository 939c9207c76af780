/**
 * Random sequences of appends (some concurrent), reads and reopens, checked against the
 * simplest possible model of a log: an array (per partition).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AppendRecord,
  type EmbeddedLog,
  type LogRecord,
  openEmbeddedLog,
  partitionForKey,
} from '../../../src/connectors/log/index.js';
import { readAll, tempDir } from './helpers.js';

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
                    partitions: [
                      { partition: 0, baseOffset: model.length, lastOffset: model.length + b.length - 1 },
                    ],
                  });
                  model.push(...b);
                }
              } else if (op.kind === 'read') {
                const { records, fromOffset, nextOffset } = await log.read('t', 0, op.from, op);
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
              expect(log.endOffset('t', 0)).toBe(model.length);
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

/** A record as generated: how it asks to be placed, and what it carries. */
interface GeneratedRecord {
  readonly value: string;
  readonly key?: string;
  /** Taken modulo the topic's partition count when appended, so that it is always in range. */
  readonly partition?: number;
  readonly headers?: readonly (readonly [string, Uint8Array])[];
}

type PartitionedOperation =
  | { readonly kind: 'append'; readonly batches: readonly (readonly GeneratedRecord[])[] }
  | { readonly kind: 'grow'; readonly by: number }
  | { readonly kind: 'reopen' };

const generatedRecord: fc.Arbitrary<GeneratedRecord> = fc.record(
  {
    value: fc.string({ maxLength: 30 }),
    key: fc.oneof(fc.constantFrom('a', 'abc', 'user-1', 'ключ', ''), fc.string({ maxLength: 10 })),
    partition: fc.nat(15),
    headers: fc.array(
      fc.tuple(
        fc.string({ maxLength: 6 }),
        fc.uint8Array({ maxLength: 8 }).map((bytes) => Buffer.from(bytes)),
      ),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: ['value'] },
);

const partitionedOperation: fc.Arbitrary<PartitionedOperation> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      batches: fc.array(fc.array(generatedRecord, { minLength: 1, maxLength: 8 }), {
        minLength: 1,
        maxLength: 3,
      }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('grow' as const), by: fc.integer({ min: 1, max: 2 }) }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'reopen' as const }) },
);

/** What a partition should hold: the record as it must read back. */
type Stored = Pick<LogRecord, 'key' | 'headers'> & { readonly value: string };

describe('a partitioned topic against an array per partition', () => {
  it('puts each record where it asked (partition, else key hash, else round-robin), in order, across reopens', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(partitionedOperation, { maxLength: 20 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 60, max: 1500 }),
        async (operations, initialPartitions, segmentBytes) => {
          const dir = await tempDir();
          const options = { dir, fsync: 'never' as const, partitions: initialPartitions, segmentBytes };
          let log: EmbeddedLog = await openEmbeddedLog(options);
          const model: Stored[][] = Array.from({ length: initialPartitions }, () => []);
          // The log's round-robin position: per topic, from 0 each time the log opens.
          let roundRobin = 0;

          const check = async (): Promise<void> => {
            for (const [partition, expected] of model.entries()) {
              const records = await readAll(log, 't', 0, 50, partition);
              expect(records.map((r) => r.offset)).toEqual(expected.map((_, i) => i));
              expect(
                records.map(({ key, headers, value }) => ({
                  ...(key === undefined ? {} : { key }),
                  ...(headers === undefined ? {} : { headers }),
                  value: value.toString(),
                })),
              ).toEqual(expected);
            }
          };

          try {
            for (const op of operations) {
              if (op.kind === 'append') {
                const n = model.length;
                const sent = op.batches.map((b) =>
                  b.map(
                    (r): AppendRecord => ({
                      value: Buffer.from(r.value),
                      ...(r.key === undefined ? {} : { key: r.key }),
                      ...(r.partition === undefined ? {} : { partition: r.partition % n }),
                      ...(r.headers === undefined ? {} : { headers: r.headers }),
                    }),
                  ),
                );
                // All batches at once: placed in call order, group-committed per partition.
                const results = await Promise.all(sent.map((b) => log.append('t', b)));
                for (const [i, batch] of sent.entries()) {
                  const counts = new Map<number, number>();
                  const bases = new Map<number, number>();
                  for (const record of batch) {
                    // Keyed records without an explicit partition land where Kafka would put them.
                    const partition =
                      record.partition ??
                      (record.key !== undefined ? partitionForKey(record.key, n) : roundRobin++ % n);
                    if (!bases.has(partition)) bases.set(partition, model[partition].length);
                    counts.set(partition, (counts.get(partition) ?? 0) + 1);
                    model[partition].push({
                      ...(record.key === undefined ? {} : { key: record.key }),
                      ...(record.headers === undefined || record.headers.length === 0
                        ? {}
                        : { headers: record.headers as Stored['headers'] }),
                      value: Buffer.from(record.value).toString(),
                    });
                  }
                  expect(results[i].partitions).toEqual(
                    [...counts.keys()]
                      .sort((a, b) => a - b)
                      .map((partition) => ({
                        partition,
                        baseOffset: bases.get(partition)!,
                        lastOffset: bases.get(partition)! + counts.get(partition)! - 1,
                      })),
                  );
                }
              } else if (op.kind === 'grow') {
                const partitions = model.length + op.by;
                expect(await log.createTopic('t', { partitions })).toEqual({ topic: 't', partitions });
                while (model.length < partitions) model.push([]);
              } else {
                await log.close();
                log = await openEmbeddedLog(options);
                roundRobin = 0;
                expect(log.recovery).toEqual([]);
                await check();
              }
            }
            await check();
          } finally {
            await log.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
