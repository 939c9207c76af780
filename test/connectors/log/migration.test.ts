/**
 * Opening a data directory of the layout before partitions: each topic's segments must become
 * partition 0 of a one-partition topic, with every record as it was — also when the process
 * that started the move was killed half-way, leaving some files moved and some not.
 */
import { appendFile, cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type LogRecord, openEmbeddedLog } from '../../../src/connectors/log/index.js';
import { appended, readAll, tempDir, track } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/v1-log', import.meta.url));
const CLOCK = 1_700_000_000_000;

/** What the fixture's `clicks` topic holds (see fixtures/README.md). */
const CLICKS: LogRecord[] = Array.from({ length: 30 }, (_, n) =>
  n % 2 === 0
    ? { offset: n, timestamp: CLOCK, key: `user-${n % 4}`, value: Buffer.from(`{"click":${n}}`) }
    : { offset: n, timestamp: 1_600_000_000_000 + n, value: Buffer.from(`{"click":${n}}`) },
);
const CLICKS_FILES = [
  '00000000000000000000.index',
  '00000000000000000000.log',
  '00000000000000000012.index',
  '00000000000000000012.log',
  '00000000000000000024.index',
  '00000000000000000024.log',
];

/** A copy of the fixture, as the previous version left it. */
const previousLayout = async (): Promise<string> => {
  const dir = await tempDir();
  await cp(FIXTURE, dir, { recursive: true });
  return dir;
};

const open = async (dir: string) => track(await openEmbeddedLog({ dir, fsync: 'always', partitions: 4 }));

describe('opening a directory of the layout before partitions', () => {
  it('moves each topic into partition 0 of a one-partition topic, every record as it was', async () => {
    const dir = await previousLayout();
    const log = await open(dir);
    expect(log.migrations).toEqual([
      { topic: 'clicks', segments: 3 },
      { topic: 'orders', segments: 1 },
    ]);
    expect(log.recovery).toEqual([]);
    // The topics keep one partition: the configured 4 is for new topics only.
    expect([log.partitions('clicks'), log.partitions('orders')]).toEqual([1, 1]);
    expect(await readAll(log, 'clicks')).toEqual(CLICKS);
    expect(await readAll(log, 'orders')).toEqual([
      { offset: 0, timestamp: CLOCK, key: 'o-1', value: Buffer.from('{"order":1}') },
      { offset: 1, timestamp: CLOCK, value: Buffer.from('{"order":2}') },
    ]);
    expect((await readdir(join(dir, 'clicks'))).sort()).toEqual(['0', 'topic.json']);
    expect((await readdir(join(dir, 'clicks', '0'))).sort()).toEqual(CLICKS_FILES);
    expect(JSON.parse(await readFile(join(dir, 'clicks', 'topic.json'), 'utf8'))).toEqual({
      version: 2,
      partitions: 1,
    });

    // New records (version 2 frames, with headers) follow the old ones in the same segment.
    const headers = [['trace', Buffer.from('t-1')]] as const;
    expect(await log.append('clicks', [{ key: 'user-9', value: Buffer.from('new'), headers }])).toEqual(
      appended(30, 30),
    );
    await log.close();

    const again = await open(dir);
    expect(again.migrations).toEqual([]);
    const all = await readAll(again, 'clicks');
    expect(all.slice(0, 30)).toEqual(CLICKS);
    expect(all[30]).toMatchObject({ offset: 30, key: 'user-9', headers, value: Buffer.from('new') });
  });

  // The migration renames the files one by one (in name order) into 0/ and writes topic.json
  // last; a SIGKILL can stop it after any of these steps.
  it.each(
    Array.from({ length: CLICKS_FILES.length + 1 }, (_, moved) => [moved, CLICKS_FILES.length - moved]),
  )(
    'finishes a migration killed with 0/ made, %i file(s) moved and %i not (no topic.json)',
    async (moved) => {
      const dir = await previousLayout();
      const topicDir = join(dir, 'clicks');
      await mkdir(join(topicDir, '0'));
      for (const name of CLICKS_FILES.slice(0, moved))
        await rename(join(topicDir, name), join(topicDir, '0', name));

      const log = await open(dir);
      expect(log.migrations).toEqual([
        { topic: 'clicks', segments: 3 },
        { topic: 'orders', segments: 1 },
      ]);
      expect(log.recovery).toEqual([]);
      expect(await readAll(log, 'clicks')).toEqual(CLICKS);
      expect((await readdir(topicDir)).sort()).toEqual(['0', 'topic.json']);
      await log.close();
      expect((await open(dir)).migrations).toEqual([]);
    },
  );

  it('finishes a migration killed while writing topic.json (a temp file left behind)', async () => {
    const dir = await previousLayout();
    const topicDir = join(dir, 'clicks');
    await mkdir(join(topicDir, '0'));
    for (const name of CLICKS_FILES) await rename(join(topicDir, name), join(topicDir, '0', name));
    await writeFile(join(topicDir, 'topic.json.tmp'), '{"vers');

    const log = await open(dir);
    expect(log.migrations).toContainEqual({ topic: 'clicks', segments: 3 });
    expect(await readAll(log, 'clicks')).toEqual(CLICKS);
    expect((await readdir(topicDir)).sort()).toEqual(['0', 'topic.json']);
  });

  it('recovers a torn tail that the previous version left, after moving it', async () => {
    const dir = await previousLayout();
    // As after a crash of the previous version mid-append: half a frame, no index file for the active segment.
    const active = join(dir, 'clicks', '00000000000000000024.log');
    const intact = (await readFile(active)).length;
    await appendFile(active, Buffer.from([60, 0, 0, 0, 1, 2, 3, 4, 1, 0]));
    await rm(join(dir, 'clicks', '00000000000000000024.index'));

    const log = await open(dir);
    expect(log.migrations).toContainEqual({ topic: 'clicks', segments: 3 });
    expect(log.recovery).toEqual([
      {
        topic: 'clicks',
        partition: 0,
        segment: join(dir, 'clicks', '0', '00000000000000000024.log'),
        reason: 'torn',
        position: intact,
        bytesDropped: 10,
        lastGoodOffset: 29,
        deletedSegments: [],
      },
    ]);
    expect(await readAll(log, 'clicks')).toEqual(CLICKS);
    expect(await log.append('clicks', [{ value: Buffer.from('next') }])).toEqual(appended(30, 30));
  });
});
