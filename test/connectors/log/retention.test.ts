import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type EmbeddedLogOptions, openEmbeddedLog } from '../../../src/connectors/log/index.js';
import { expiredSegmentCount } from '../../../src/connectors/log/retention.js';
import { batch, readAll, record, segmentFiles, tempDir, track } from './helpers.js';

const open = async (dir: string, options: Partial<EmbeddedLogOptions> = {}) =>
  track(await openEmbeddedLog({ dir, fsync: 'never', ...options }));

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
    const log = await open(dir, { segmentBytes: 500, retention: { maxBytes: 1500 } });
    for (let b = 0; b < 60; b++) await log.append('t', batch(`b${b}`, 3));
    const topicDir = join(dir, 't');
    expect(await topicBytes(topicDir)).toBeLessThanOrEqual(1500 + 500);
    const start = log.startOffset('t');
    expect(start).toBeGreaterThan(0);
    expect((await segmentFiles(topicDir))[0]).toBe(`${String(start).padStart(20, '0')}.log`);

    // A read below the retained start begins at the first retained offset, and says so.
    const { records, fromOffset } = await log.read('t', 0, { maxRecords: 2 });
    expect(fromOffset).toBe(start);
    expect(records.map((r) => r.offset)).toEqual([start, start + 1]);
    const kept = await readAll(log, 't');
    expect(kept.map((r) => r.offset)).toEqual(Array.from({ length: 180 - start }, (_, i) => start + i));
    expect(kept.at(-1)!.value.toString()).toBe('value-b59-2');

    await log.close();
    const reopened = await open(dir, { segmentBytes: 500, retention: { maxBytes: 1500 } });
    expect([reopened.startOffset('t'), reopened.endOffset('t')]).toEqual([start, 180]);
  });

  it('deletes segments by the age of their newest record when asked, never the active one', async () => {
    let now = 1_000_000;
    const dir = await tempDir();
    const log = await open(dir, { segmentBytes: 200, retention: { maxAgeMs: 60_000 }, clock: () => now });
    for (let b = 0; b < 4; b++) await log.append('t', batch(`old${b}`, 2)); // stamped by the clock: 1,000,000
    now += 30_000;
    const firstFresh = log.endOffset('t');
    for (let b = 0; b < 4; b++) await log.append('t', batch(`fresh${b}`, 2)); // 1,030,000
    const filesBefore = await segmentFiles(join(dir, 't'));

    now += 59_000; // old ones are 89 s old, fresh ones 59 s
    const deleted = await log.enforceRetention();
    expect(deleted.length).toBeGreaterThan(0);
    expect(deleted.every((segment) => segment.maxTimestamp === 1_000_000)).toBe(true);
    expect(deleted[0]).toMatchObject({ topic: 't', baseOffset: 0 });
    expect(deleted.at(-1)!.endOffset).toBe(log.startOffset('t'));
    expect(log.startOffset('t')).toBeLessThanOrEqual(firstFresh);
    expect((await segmentFiles(join(dir, 't'))).length).toBe(filesBefore.length - deleted.length);

    now += 1_000_000; // everything is old: all closed segments go, the active one stays
    await log.enforceRetention();
    expect(await segmentFiles(join(dir, 't'))).toHaveLength(1);
    expect(log.startOffset('t')).toBeLessThanOrEqual(log.endOffset('t'));
    const { records, fromOffset } = await log.read('t', 0);
    expect(fromOffset).toBe(log.startOffset('t'));
    expect(records.at(-1)!.value.toString()).toBe('value-fresh3-1');
    expect((await log.append('t', [record('later')])).baseOffset).toBe(16);
  });

  it('uses the records’ own timestamps for age (one record per segment here)', async () => {
    const now = 10_000_000;
    const log = await open(await tempDir(), {
      segmentBytes: 50,
      retention: { maxAgeMs: 1_000 },
      clock: () => now,
    });
    await log.append('t', [record('ancient', { timestamp: 0 })]);
    await log.append('t', [record('current', { timestamp: now })]);
    await log.append('t', [record('active', { timestamp: 0 })]);
    await log.enforceRetention();
    expect(log.startOffset('t')).toBe(1);
  });

  it('lets a topic override the log-wide policy', async () => {
    const dir = await tempDir();
    const log = await open(dir, {
      segmentBytes: 200,
      retention: { maxBytes: 300 },
      topics: { audit: { retention: {} }, small: { segmentBytes: 100 } },
    });
    for (let b = 0; b < 20; b++) {
      await log.append('audit', batch(`a${b}`, 2));
      await log.append('other', batch(`o${b}`, 2));
      await log.append('small', batch(`s${b}`, 2));
    }
    expect(log.startOffset('audit')).toBe(0);
    expect(log.startOffset('other')).toBeGreaterThan(0);
    expect((await segmentFiles(join(dir, 'small'))).length).toBeGreaterThan(1);
    expect(await topicBytes(join(dir, 'small'))).toBeLessThanOrEqual(300 + 100);
  });
});
