import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expiredSegmentCount } from '../../../src/connectors/log/retention.js';
import { baseOf, batch, openLog, readAll, record, segmentFiles, tempDir } from './helpers.js';

const topicBytes = async (dir: string): Promise<number> => {
  let total = 0;
  for (const file of await segmentFiles(dir)) total += (await stat(join(dir, file))).size;
  return total;
};

describe('retention policy', () => {
  const segments = [
    { bytes: 100, maxTimestamp: 1_000 },
    { bytes: 100, maxTimestamp: 2_000 },
    { bytes: 100, maxTimestamp: 3_000 },
  ];

  it('deletes the oldest closed segments while the topic is over maxBytes', () => {
    expect(expiredSegmentCount(segments, 50, { maxBytes: 350 }, 0)).toBe(0);
    expect(expiredSegmentCount(segments, 50, { maxBytes: 349 }, 0)).toBe(1);
    expect(expiredSegmentCount(segments, 50, { maxBytes: 150 }, 0)).toBe(2);
    // Never the active segment, even when it alone is over the limit.
    expect(expiredSegmentCount(segments, 500, { maxBytes: 1 }, 0)).toBe(3);
  });

  it('deletes closed segments whose newest record is older than maxAgeMs, oldest first', () => {
    expect(expiredSegmentCount(segments, 0, { maxAgeMs: 1_000 }, 2_000)).toBe(0);
    expect(expiredSegmentCount(segments, 0, { maxAgeMs: 1_000 }, 2_001)).toBe(1);
    expect(expiredSegmentCount(segments, 0, { maxAgeMs: 1_000 }, 10_000)).toBe(3);
  });

  it('stops at the first segment both limits keep, so offsets stay dense', () => {
    const future = [segments[0], { bytes: 100, maxTimestamp: 99_999 }, segments[2]];
    expect(expiredSegmentCount(future, 0, { maxAgeMs: 1_000 }, 10_000)).toBe(1);
    expect(expiredSegmentCount(future, 0, { maxAgeMs: 1_000, maxBytes: 250 }, 10_000)).toBe(1);
    expect(expiredSegmentCount(future, 0, { maxAgeMs: 1_000, maxBytes: 150 }, 10_000)).toBe(3);
    expect(expiredSegmentCount(segments, 0, {}, 10_000)).toBe(0);
  });
});

describe('retention in the log', () => {
  it('keeps a topic within maxBytes plus the active segment, on every roll', async () => {
    const dir = await tempDir();
    const log = await openLog(dir, { segmentBytes: 500, retention: { maxBytes: 1500 } });
    for (let b = 0; b < 60; b++) await log.append('t', batch(`b${b}`, 3));
    const topicDir = join(dir, 't', '0');
    expect(await topicBytes(topicDir)).toBeLessThanOrEqual(1500 + 500);
    const start = log.startOffset('t', 0);
    expect(start).toBeGreaterThan(0);
    expect((await segmentFiles(topicDir))[0]).toBe(`${String(start).padStart(20, '0')}.log`);

    // A read below the retained start begins at the first retained offset, and says so.
    const { records, fromOffset } = await log.read('t', 0, 0, { maxRecords: 2 });
    expect(fromOffset).toBe(start);
    expect(records.map((r) => r.offset)).toEqual([start, start + 1]);
    const kept = await readAll(log, 't');
    expect(kept.map((r) => r.offset)).toEqual(Array.from({ length: 180 - start }, (_, i) => start + i));
    expect(kept.at(-1)!.value.toString()).toBe('value-b59-2');

    await log.close();
    const reopened = await openLog(dir, { segmentBytes: 500, retention: { maxBytes: 1500 } });
    expect([reopened.startOffset('t', 0), reopened.endOffset('t', 0)]).toEqual([start, 180]);
  });

  it('deletes segments by the age of their newest record when asked, never the active one', async () => {
    let now = 1_000_000;
    const dir = await tempDir();
    const log = await openLog(dir, { segmentBytes: 200, retention: { maxAgeMs: 60_000 }, clock: () => now });
    for (let b = 0; b < 4; b++) await log.append('t', batch(`old${b}`, 2)); // stamped by the clock: 1,000,000
    now += 30_000;
    const firstFresh = log.endOffset('t', 0);
    for (let b = 0; b < 4; b++) await log.append('t', batch(`fresh${b}`, 2)); // 1,030,000
    const filesBefore = await segmentFiles(join(dir, 't', '0'));

    now += 59_000; // old ones are 89 s old, fresh ones 59 s
    const deleted = await log.enforceRetention();
    expect(deleted.length).toBeGreaterThan(0);
    expect(deleted.every((segment) => segment.maxTimestamp === 1_000_000)).toBe(true);
    expect(deleted[0]).toMatchObject({ topic: 't', baseOffset: 0 });
    expect(deleted.at(-1)!.endOffset).toBe(log.startOffset('t', 0));
    expect(log.startOffset('t', 0)).toBeLessThanOrEqual(firstFresh);
    expect((await segmentFiles(join(dir, 't', '0'))).length).toBe(filesBefore.length - deleted.length);

    now += 1_000_000; // everything is old: all closed segments go, the active one stays
    await log.enforceRetention();
    expect(await segmentFiles(join(dir, 't', '0'))).toHaveLength(1);
    expect(log.startOffset('t', 0)).toBeLessThanOrEqual(log.endOffset('t', 0));
    const { records, fromOffset } = await log.read('t', 0, 0);
    expect(fromOffset).toBe(log.startOffset('t', 0));
    expect(records.at(-1)!.value.toString()).toBe('value-fresh3-1');
    expect(baseOf(await log.append('t', [record('later')]))).toBe(16);
  });

  it('uses the records’ own timestamps for age (one record per segment here)', async () => {
    const now = 10_000_000;
    const log = await openLog(await tempDir(), {
      segmentBytes: 50,
      retention: { maxAgeMs: 1_000 },
      clock: () => now,
    });
    await log.append('t', [record('ancient', { timestamp: 0 })]);
    await log.append('t', [record('current', { timestamp: now })]);
    await log.append('t', [record('active', { timestamp: 0 })]);
    await log.enforceRetention();
    expect(log.startOffset('t', 0)).toBe(1);
  });

  it('lets a topic override the log-wide policy', async () => {
    const dir = await tempDir();
    const log = await openLog(dir, {
      segmentBytes: 200,
      retention: { maxBytes: 300 },
      topics: { audit: { retention: {} }, small: { segmentBytes: 100 } },
    });
    for (let b = 0; b < 20; b++) {
      await log.append('audit', batch(`a${b}`, 2));
      await log.append('other', batch(`o${b}`, 2));
      await log.append('small', batch(`s${b}`, 2));
    }
    expect(log.startOffset('audit', 0)).toBe(0);
    expect(log.startOffset('other', 0)).toBeGreaterThan(0);
    expect((await segmentFiles(join(dir, 'small', '0'))).length).toBeGreaterThan(1);
    expect(await topicBytes(join(dir, 'small', '0'))).toBeLessThanOrEqual(300 + 100);
  });
});

describe('retention per partition', () => {
  it('applies maxBytes to each partition on its own, as Kafka applies retention.bytes', async () => {
    const dir = await tempDir();
    const log = await openLog(dir, { partitions: 2, segmentBytes: 500, retention: { maxBytes: 1000 } });
    // Partition 0 gets ten times what partition 1 gets: only partition 0 is over the limit.
    for (let b = 0; b < 40; b++) {
      await log.append(
        't',
        batch(`p0-${b}`, 3).map((r) => ({ ...r, partition: 0 })),
      );
      if (b % 10 === 0)
        await log.append(
          't',
          batch(`p1-${b}`, 3).map((r) => ({ ...r, partition: 1 })),
        );
    }
    expect(log.startOffset('t', 0)).toBeGreaterThan(0);
    expect(await topicBytes(join(dir, 't', '0'))).toBeLessThanOrEqual(1000 + 500);
    expect(log.startOffset('t', 1)).toBe(0);
    expect(log.endOffset('t', 1)).toBe(12);
  });

  it('says which partition a deleted segment was in', async () => {
    let now = 0;
    const log = await openLog(await tempDir(), {
      partitions: 2,
      segmentBytes: 100,
      retention: { maxAgeMs: 1000 },
      clock: () => now,
    });
    for (let b = 0; b < 6; b++) await log.append('t', [record(`${b}`, { partition: 1 })]);
    await log.append('t', [record('young', { partition: 0 })]);
    now = 10_000;
    const deleted = await log.enforceRetention();
    expect(deleted.length).toBeGreaterThan(0);
    expect(deleted.every((segment) => segment.topic === 't' && segment.partition === 1)).toBe(true);
    expect(log.startOffset('t', 1)).toBeGreaterThan(0);
  });
});
