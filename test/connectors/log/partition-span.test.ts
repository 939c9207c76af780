/**
 * Reading a partition from its files, given only where the records are: what a worker
 * thread does with the span the log's own thread gives it. The records are those `read`
 * returns, whatever the offset, across segments.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrames } from '../../../src/connectors/log/frame-batch.js';
import { readLocated, readPartitionSpan } from '../../../src/connectors/log/partition-span.js';
import { openLog, tempDir } from './helpers.js';

const LIMITS = { maxRecords: 1_000, maxBytes: 1024 * 1024 };

describe('a partition read from a span', () => {
  it('gives the records `read` gives, from any offset, one segment at a time', async () => {
    const log = await openLog(await tempDir(), { segmentBytes: 2_000, indexIntervalBytes: 100 });
    const values = Array.from({ length: 300 }, (_, i) => `record-${i}`.padEnd(10 + (i % 37), '.'));
    for (let i = 0; i < values.length; i += 25)
      await log.append(
        't',
        values.slice(i, i + 25).map((v, j) => ({ value: Buffer.from(v), key: `k${i + j}` })),
      );

    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 310 }),
        fc.integer({ min: 1, max: 50 }),
        async (from, max) => {
          const span = log.locate('t', 0, from);
          const read = await readPartitionSpan(span, { ...LIMITS, maxRecords: max });
          const batch = decodeFrames('t', 0, read.frames, read.count, read.nextOffset);
          const expected = await log.read('t', 0, from, { maxRecords: max });
          // A span stops at its segment's end; `read` goes on into the next one.
          expect(read.count).toBeGreaterThanOrEqual(Math.min(1, expected.records.length));
          const got = Array.from({ length: read.count }, (_, i) =>
            Buffer.from(batch.data.subarray(batch.valueStarts[i], batch.valueEnds[i])).toString(),
          );
          expect(got).toEqual(expected.records.slice(0, read.count).map((r) => r.value.toString()));
          expect([...batch.offsets]).toEqual(expected.records.slice(0, read.count).map((r) => r.offset));
          expect(read.nextOffset).toBe(from >= 300 ? from : from + read.count);
          expect(read.endOffset).toBe(300);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('locates again when the segment it was given is gone (retention deleted it)', async () => {
    const log = await openLog(await tempDir());
    await log.append('t', [{ value: Buffer.from('a') }, { value: Buffer.from('b') }]);
    const fresh = log.locate('t', 0, 0);
    const stale = { ...fresh, segment: { ...fresh.segment!, path: `${fresh.segment!.path}.deleted` } };
    const spans = [stale, fresh];
    const read = await readLocated(() => spans.shift()!, LIMITS);
    expect(read.count).toBe(2);
    expect(spans).toEqual([]);
  });

  it('reads nothing at the end of the partition, and nothing of a topic that does not exist', async () => {
    const log = await openLog(await tempDir());
    await log.append('t', [{ value: Buffer.from('a') }]);
    expect(await readPartitionSpan(log.locate('t', 0, 1), LIMITS)).toMatchObject({ count: 0, nextOffset: 1 });
    expect(log.locate('none', 0, 5)).toEqual({ fromOffset: 5, startOffset: 0, endOffset: 0 });
  });
});
