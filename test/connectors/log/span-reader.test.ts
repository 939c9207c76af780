/**
 * Reading partitions as a worker thread does: told where the records are by the thread that
 * owns the log, keeping the segment open between reads. The records are those `read` gives,
 * while the partition grows, rolls segments and loses old ones to retention.
 */
import { rm } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrames } from '../../../src/connectors/log/frame-batch.js';
import type { EmbeddedLog } from '../../../src/connectors/log/index.js';
import type { LogRead } from '../../../src/connectors/log/log-access.js';
import { REFRESH_AFTER_MS, SpanReader } from '../../../src/connectors/log/span-reader.js';
import { openLog, tempDir } from './helpers.js';

const valuesOf = (read: LogRead): string[] => {
  const batch = decodeFrames('t', 0, read.frames, read.count, read.nextOffset);
  return Array.from({ length: read.count }, (_, i) =>
    Buffer.from(batch.data.subarray(batch.valueStarts[i], batch.valueEnds[i])).toString(),
  );
};

const append = async (log: EmbeddedLog, from: number, count: number): Promise<void> => {
  const records = Array.from({ length: count }, (_, i) => ({
    value: Buffer.from(`record-${from + i}`.padEnd(12 + ((from + i) % 29), '.')),
  }));
  await log.append('t', records);
};

/** A reader over `log` that counts the times it asked where records are. */
const readerOf = (log: EmbeddedLog, clock = { now: 0 }) => {
  const asked = { count: 0 };
  const reader = new SpanReader(
    async (topic, partition, offset) => {
      asked.count++;
      return log.locate(topic, partition, offset);
    },
    () => clock.now,
  );
  return { reader, asked };
};

describe('a span reader', () => {
  it('reads what `read` gives, batch after batch, while the partition grows and rolls segments', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ appended: fc.integer({ min: 0, max: 40 }), max: fc.integer({ min: 1, max: 30 }) }),
          {
            minLength: 1,
            maxLength: 30,
          },
        ),
        async (steps) => {
          const log = await openLog(await tempDir(), { segmentBytes: 1_500, indexIntervalBytes: 100 });
          const { reader } = readerOf(log);
          let written = 0;
          let position = 0;
          for (const { appended, max } of steps) {
            if (appended > 0) await append(log, written, appended);
            written += appended;
            const read = await reader.read('t', 0, position, max);
            const expected = await log.read('t', 0, position, { maxRecords: max });
            // A read stops at its segment's end; `read` goes on into the next one.
            expect(valuesOf(read)).toEqual(
              expected.records.slice(0, read.count).map((r) => r.value.toString()),
            );
            if (expected.records.length > 0) expect(read.count).toBeGreaterThan(0);
            expect(read.nextOffset).toBe(position + read.count);
            position = read.nextOffset;
          }
          reader.close();
        },
      ),
      { numRuns: 40 },
    );
  });

  it('asks where the records are only when it has read all it knows of', async () => {
    const log = await openLog(await tempDir());
    await append(log, 0, 300);
    const { reader, asked } = readerOf(log);
    let position = 0;
    while (position < 300) position = (await reader.read('t', 0, position, 7)).nextOffset;
    expect(asked.count).toBe(1);
    // At the end of what it knows: it asks, and learns there is nothing more.
    expect((await reader.read('t', 0, 300, 7)).count).toBe(0);
    expect(asked.count).toBe(2);
    await append(log, 300, 5);
    expect(valuesOf(await reader.read('t', 0, 300, 7))).toHaveLength(5);
    expect(asked.count).toBe(3);
    reader.close();
  });

  it('learns the partition grew in the background, once what it knows is old, and never waits for it', async () => {
    const log = await openLog(await tempDir());
    await append(log, 0, 10);
    const clock = { now: 0 };
    const { reader, asked } = readerOf(log, clock);
    expect((await reader.read('t', 0, 0, 5)).endOffset).toBe(10);
    await append(log, 10, 10);
    clock.now = REFRESH_AFTER_MS;
    // This read takes what the reader knew; it asked for the new bounds beside it.
    const known = await reader.read('t', 0, 5, 100);
    expect(known).toMatchObject({ count: 5, endOffset: 10 });
    expect(asked.count).toBe(2);
    await new Promise((resolve) => setImmediate(resolve));
    const grown = await reader.read('t', 0, 10, 100);
    expect(grown).toMatchObject({ count: 10, endOffset: 20 });
    expect(asked.count).toBe(2);
    reader.close();
  });

  it('starts again from where it is asked after a jump (a restore), and after forgetting a partition', async () => {
    const log = await openLog(await tempDir());
    await append(log, 0, 50);
    const { reader, asked } = readerOf(log);
    await reader.read('t', 0, 0, 30);
    expect(valuesOf(await reader.read('t', 0, 10, 2))).toEqual([
      'record-10'.padEnd(22, '.'),
      'record-11'.padEnd(23, '.'),
    ]);
    expect(asked.count).toBe(2);
    reader.forget('t', 0);
    expect((await reader.read('t', 0, 12, 100)).count).toBe(38);
    expect(asked.count).toBe(3);
    reader.close();
  });

  it('keeps nothing of a partition forgotten while it was being located', async () => {
    const log = await openLog(await tempDir());
    await append(log, 0, 10);
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let asked = 0;
    const reader = new SpanReader(async (topic, partition, offset) => {
      asked++;
      if (asked === 1) await held;
      return log.locate(topic, partition, offset);
    });
    const inFlight = reader.read('t', 0, 0, 5);
    reader.forget('t', 0);
    release();
    expect((await inFlight).count).toBe(0);
    // Nothing was placed: the next read locates afresh.
    expect((await reader.read('t', 0, 0, 5)).count).toBe(5);
    expect(asked).toBe(2);
    reader.close();
  });

  it('keeps reading a segment that retention deleted while it was open, then moves on', async () => {
    const dir = await tempDir();
    const log = await openLog(dir, { segmentBytes: 1_000 });
    await append(log, 0, 100);
    const all = (await log.read('t', 0, 0, { maxRecords: 1_000 })).records.map((r) => r.value.toString());
    const { reader } = readerOf(log);
    const first = await reader.read('t', 0, 0, 3);
    const span = log.locate('t', 0, first.nextOffset);
    await rm(span.segment!.path);
    let position = first.nextOffset;
    const seen: string[] = valuesOf(first);
    while (position < 100) {
      const read = await reader.read('t', 0, position, 1_000);
      seen.push(...valuesOf(read));
      position = read.nextOffset;
    }
    expect(seen).toEqual(all);
    reader.close();
  });
});
