/**
 * Recovery on open. A crash can leave the active segment with a torn tail (a write that
 * never finished); a disk can change bytes. The log must keep exactly the intact prefix,
 * say what it cut, and go on from the right offset.
 */
import { appendFile, cp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type EmbeddedLogOptions, openEmbeddedLog } from '../../../src/connectors/log/index.js';
import { appended, baseOf, batch, readAll, segmentFiles, tempDir, track, values } from './helpers.js';

const open = async (dir: string, options: Partial<EmbeddedLogOptions> = {}) =>
  track(await openEmbeddedLog({ dir, fsync: 'always', ...options }));

/** Where each frame of a segment file starts (walking the length prefixes). */
const frameStarts = (file: Buffer): number[] => {
  const starts: number[] = [];
  for (let pos = 0; pos + 8 <= file.length; pos += 8 + file.readUInt32LE(pos)) starts.push(pos);
  return starts;
};

const flipByte = async (path: string, position: number): Promise<void> => {
  const file = await readFile(path);
  file[position] ^= 0x5a;
  await writeFile(path, file);
};

/** A topic of 20 records in one segment, closed cleanly. */
const twentyRecords = async () => {
  const dir = await tempDir();
  const log = await open(dir);
  for (let b = 0; b < 5; b++) await log.append('t', batch(`b${b}`, 4));
  const records = await readAll(log, 't');
  await log.close();
  const path = join(dir, 't', '0', '00000000000000000000.log');
  const file = await readFile(path);
  return { dir, path, records, file, lastStart: frameStarts(file).at(-1)! };
};

describe('recovery on open', () => {
  it('cuts a record torn in the middle and continues at its offset', async () => {
    const { dir, path, records, file, lastStart } = await twentyRecords();
    await truncate(path, file.length - 5);

    const log = await open(dir);
    expect(log.recovery).toEqual([
      {
        topic: 't',
        partition: 0,
        segment: path,
        reason: 'torn',
        position: lastStart,
        bytesDropped: file.length - 5 - lastStart,
        lastGoodOffset: 18,
        deletedSegments: [],
      },
    ]);
    expect(log.endOffset('t', 0)).toBe(19);
    expect(await readAll(log, 't')).toEqual(records.slice(0, 19));
    expect(await log.append('t', batch('after', 2))).toEqual(appended(19, 20));
    await log.close();

    const again = await open(dir);
    expect(again.recovery).toEqual([]);
    expect(values(await readAll(again, 't'))).toEqual([
      ...values(records.slice(0, 19)),
      ...values(batch('after', 2)),
    ]);
  });

  it('drops exactly the last record when a byte of its payload changed', async () => {
    const { dir, path, records, file, lastStart } = await twentyRecords();
    await flipByte(path, file.length - 1);

    const log = await open(dir);
    expect(log.recovery).toMatchObject([
      { reason: 'checksum', position: lastStart, bytesDropped: file.length - lastStart, lastGoodOffset: 18 },
    ]);
    expect(await readAll(log, 't')).toEqual(records.slice(0, 19));
    expect(baseOf(await log.append('t', batch('next', 1)))).toBe(19);
  });

  // A process killed mid-write leaves no index file for the active segment and whatever
  // part of the write reached the file: half a frame, or (on some file systems after a
  // power loss) a run of zeros where the frame should be.
  it.each([
    ['half a frame', (frame: Buffer) => frame.subarray(0, frame.length >> 1), 'torn'],
    ['a frame header alone', (frame: Buffer) => frame.subarray(0, 8), 'torn'],
    ['zeros', (frame: Buffer) => Buffer.alloc(frame.length), 'checksum'],
    ['three stray bytes', () => Buffer.from([1, 2, 3]), 'torn'],
  ] as const)('recovers a crash that left %s at the end', async (_, damage, reason) => {
    const dir = await tempDir();
    const log = await open(dir, { indexIntervalBytes: 64 });
    for (let b = 0; b < 6; b++) await log.append('t', batch(`b${b}`, 5));
    const acknowledged = await readAll(log, 't');
    // The state on disk if the process died now, with one more batch half written.
    const crashed = await tempDir();
    await cp(dir, crashed, { recursive: true });
    const active = join(crashed, 't', '0', '00000000000000000000.log');
    const intactBytes = (await readFile(active)).length;
    await appendFile(active, damage(Buffer.alloc(200, 7).fill(Buffer.from([192, 0, 0, 0]), 0, 4)));

    const recovered = await open(crashed, { indexIntervalBytes: 64 });
    expect(recovered.recovery).toMatchObject([{ reason, position: intactBytes, lastGoodOffset: 29 }]);
    expect(await readAll(recovered, 't')).toEqual(acknowledged);
    expect(baseOf(await recovered.append('t', batch('c', 1)))).toBe(30);
    expect((await readFile(active)).length).toBeGreaterThan(intactBytes);
  });

  it('ends the log at a damaged closed segment and deletes the segments after it', async () => {
    const dir = await tempDir();
    const log = await open(dir, { segmentBytes: 300 });
    for (let b = 0; b < 12; b++) await log.append('t', batch(`b${b}`, 3));
    const records = await readAll(log, 't');
    await log.close();
    const topicDir = join(dir, 't', '0');
    const files = await segmentFiles(topicDir);
    expect(files.length).toBeGreaterThan(3);
    // The second segment loses its index file and has a byte changed in its second record.
    const damaged = join(topicDir, files[1]);
    await rm(damaged.replace(/\.log$/, '.index'));
    const secondStart = frameStarts(await readFile(damaged))[1];
    await flipByte(damaged, secondStart + 30);

    const reopened = await open(dir, { segmentBytes: 300 });
    const base = Number(files[1].slice(0, 20));
    expect(reopened.recovery).toEqual([
      expect.objectContaining({
        segment: damaged,
        reason: 'checksum',
        position: secondStart,
        lastGoodOffset: base,
        deletedSegments: files.slice(2).map((file) => join(topicDir, file)),
      }),
    ]);
    expect(await segmentFiles(topicDir)).toEqual(files.slice(0, 2));
    expect(await readAll(reopened, 't')).toEqual(records.slice(0, base + 1));
    expect(baseOf(await reopened.append('t', batch('x', 1)))).toBe(base + 1);
  });

  it('ends the log where the offsets of the next segment do not follow (a missing segment)', async () => {
    const dir = await tempDir();
    const log = await open(dir, { segmentBytes: 300 });
    for (let b = 0; b < 12; b++) await log.append('t', batch(`b${b}`, 3));
    const records = await readAll(log, 't');
    await log.close();
    const topicDir = join(dir, 't', '0');
    const files = await segmentFiles(topicDir);
    await rm(join(topicDir, files[2]));

    const reopened = await open(dir, { segmentBytes: 300 });
    const end = Number(files[2].slice(0, 20));
    expect(reopened.recovery).toMatchObject([
      { reason: 'offset', segment: join(topicDir, files[1]), lastGoodOffset: end - 1 },
    ]);
    expect(await readAll(reopened, 't')).toEqual(records.slice(0, end));
  });

  it('rebuilds a missing or damaged index file without reporting anything', async () => {
    const dir = await tempDir();
    const log = await open(dir, { segmentBytes: 300, indexIntervalBytes: 50 });
    for (let b = 0; b < 12; b++) await log.append('t', batch(`b${b}`, 3));
    const records = await readAll(log, 't');
    await log.close();
    const topicDir = join(dir, 't', '0');
    const [first, second] = await segmentFiles(topicDir);
    await rm(join(topicDir, first.replace('.log', '.index')));
    await flipByte(join(topicDir, second.replace('.log', '.index')), 20);
    await writeFile(join(topicDir, '00000000000000099999.index'), 'orphan');

    const reopened = await open(dir, { segmentBytes: 300, indexIntervalBytes: 50 });
    expect(reopened.recovery).toEqual([]);
    expect(await readAll(reopened, 't', 0, 1)).toEqual(records);
    for (let from = 0; from < records.length; from += 5) {
      expect((await reopened.read('t', 0, from, { maxRecords: 1 })).records).toEqual([records[from]]);
    }
    expect(await readFile(join(topicDir, first.replace('.log', '.index')))).not.toHaveLength(0);
    await expect(readFile(join(topicDir, '00000000000000099999.index'))).rejects.toThrow();
  });

  it('reports a byte changed inside trusted data when it is read, naming the segment', async () => {
    const dir = await tempDir();
    const log = await open(dir, { segmentBytes: 300 });
    for (let b = 0; b < 6; b++) await log.append('t', batch(`b${b}`, 3));
    await log.close();
    const path = join(dir, 't', '0', '00000000000000000000.log');
    await flipByte(path, 30); // in the value of the first record

    const reopened = await open(dir, { segmentBytes: 300 });
    expect(reopened.recovery).toEqual([]); // closed segments are trusted through their index file
    await expect(reopened.read('t', 0, 0)).rejects.toMatchObject({
      code: 'TRB_LOG_CORRUPT',
      domain: 'external',
      message: expect.stringContaining(`${path} at byte 0: the record for offset 0 failed its CRC32 check`),
    });
    expect((await reopened.read('t', 0, 3)).records[0].offset).toBe(3);
  });

  it('recovers each partition on its own, and names the partition it cut', async () => {
    const dir = await tempDir();
    const log = await open(dir, { partitions: 3 });
    for (let b = 0; b < 4; b++) {
      for (const partition of [0, 1, 2]) {
        await log.append(
          't',
          batch(`p${partition}-${b}`, 3).map((r) => ({ ...r, partition })),
        );
      }
    }
    const before = [0, 1, 2].map((p) => readAll(log, 't', 0, 7, p));
    const [p0, p1, p2] = await Promise.all(before);
    await log.close();
    const damaged = join(dir, 't', '1', '00000000000000000000.log');
    await appendFile(damaged, Buffer.from([90, 0, 0, 0, 1]));

    const reopened = await open(dir);
    expect(reopened.recovery).toEqual([
      expect.objectContaining({
        topic: 't',
        partition: 1,
        segment: damaged,
        reason: 'torn',
        lastGoodOffset: 11,
      }),
    ]);
    expect(await readAll(reopened, 't', 0, 7, 0)).toEqual(p0);
    expect(await readAll(reopened, 't', 0, 7, 1)).toEqual(p1);
    expect(await readAll(reopened, 't', 0, 7, 2)).toEqual(p2);
  });

  it('takes over the lock of a process that died', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, '.lock'), '2147483646\n');
    const log = await open(dir);
    expect(await readFile(join(dir, '.lock'), 'utf8')).toBe(`${process.pid}\n`);
    await log.close();
  });
});
