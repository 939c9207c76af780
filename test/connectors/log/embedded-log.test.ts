import { open as fsOpen, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { type FsyncMode, openEmbeddedLog } from '../../../src/connectors/log/index.js';
import { appended, batch, openLog, readAll, record, segmentFiles, tempDir, values } from './helpers.js';

describe('the embedded log', () => {
  it('gives dense offsets from 0 and reads back what was appended, across segment rolls', async () => {
    const dir = await tempDir();
    const log = await openLog(dir, { segmentBytes: 400 });
    const expected: string[] = [];
    for (let b = 0; b < 30; b++) {
      const records = batch(`b${b}`, 1 + (b % 5));
      const result = await log.append('clicks', records);
      expect(result).toEqual(appended(expected.length, expected.length + records.length - 1));
      expected.push(...values(records));
    }
    const all = await readAll(log, 'clicks');
    expect(all.map((r) => r.offset)).toEqual(expected.map((_, i) => i));
    expect(values(all)).toEqual(expected);

    // Segments are named by their base offset, and each starts where the previous one ended.
    const files = await segmentFiles(join(dir, 'clicks', '0'));
    expect(files.length).toBeGreaterThan(3);
    expect(files[0]).toBe('00000000000000000000.log');
    for (const file of files) {
      expect(file).toMatch(/^\d{20}\.log$/);
      const base = Number(file.slice(0, 20));
      const [first] = (await log.read('clicks', 0, base, { maxRecords: 1 })).records;
      expect(first.offset).toBe(base);
    }
    // A batch is never split across segments, and a segment passes its size only when one batch alone does.
    for (const file of files.slice(0, -1))
      expect((await stat(join(dir, 'clicks', '0', file))).size).toBeLessThanOrEqual(400);
  });

  it('keeps keys (absent, empty, Unicode), timestamps and binary values', async () => {
    const log = await openLog(await tempDir(), { clock: () => 1_700_000_000_000 });
    const binary = Buffer.from([0, 255, 1, 254, 0, 0]);
    await log.append('t', [
      { value: binary, key: 'ключ-🔑', timestamp: -5 },
      { value: Buffer.alloc(0), key: '' },
      { value: new Uint8Array([7]), timestamp: 1.5 },
    ]);
    const { records } = await log.read('t', 0, 0);
    expect(records).toEqual([
      { offset: 0, timestamp: -5, key: 'ключ-🔑', value: binary },
      { offset: 1, timestamp: 1_700_000_000_000, key: '', value: Buffer.alloc(0) },
      { offset: 2, timestamp: 1.5, value: Buffer.from([7]) },
    ]);
    expect('key' in records[2]).toBe(false);
  });

  it('keeps headers in order, duplicate keys included, and leaves them out of records without', async () => {
    const log = await openLog(await tempDir());
    const headers = [
      ['trace-id', Buffer.from('abc')],
      ['hop', Buffer.from('1')],
      ['hop', Buffer.from('2')],
      ['', Buffer.alloc(0)],
    ] as const;
    await log.append('t', [
      { value: Buffer.from('with'), key: 'k', headers },
      { value: Buffer.from('empty'), headers: [] },
      { value: Buffer.from('without') },
    ]);
    const { records } = await log.read('t', 0, 0);
    expect(records[0]).toEqual({
      offset: 0,
      timestamp: records[0].timestamp,
      key: 'k',
      headers,
      value: Buffer.from('with'),
    });
    expect('headers' in records[1]).toBe(false);
    expect('headers' in records[2]).toBe(false);
  });

  it('reads from any offset, through the sparse index, in any segment', async () => {
    const log = await openLog(await tempDir(), { segmentBytes: 2000, indexIntervalBytes: 100 });
    for (let b = 0; b < 20; b++) await log.append('t', batch(`${b}`, 10));
    const all = await readAll(log, 't');
    for (let from = 0; from < 200; from += 3) {
      const { records, fromOffset, nextOffset } = await log.read('t', 0, from, { maxRecords: 4 });
      expect(fromOffset).toBe(from);
      expect(records).toEqual(all.slice(from, from + 4));
      expect(nextOffset).toBe(Math.min(from + 4, 200));
    }
  });

  it('limits a read by records and bytes, but always returns at least one record', async () => {
    const log = await openLog(await tempDir());
    await log.append('t', [
      { value: Buffer.alloc(100, 1) },
      { value: Buffer.alloc(100, 2) },
      { value: Buffer.alloc(5000, 3) },
      { value: Buffer.alloc(10, 4) },
    ]);
    expect((await log.read('t', 0, 0, { maxRecords: 3 })).records).toHaveLength(3);
    expect((await log.read('t', 0, 0, { maxBytes: 300 })).records.map((r) => r.offset)).toEqual([0, 1]);
    const big = await log.read('t', 0, 2, { maxBytes: 1 });
    expect(big.records.map((r) => r.value.length)).toEqual([5000]);
    expect(big.nextOffset).toBe(3);
  });

  it('returns nothing past the end, and treats an unknown topic as empty', async () => {
    const log = await openLog(await tempDir());
    await log.append('t', batch('a', 3));
    expect(await log.read('t', 0, 3)).toEqual({ records: [], fromOffset: 3, nextOffset: 3 });
    expect(await log.read('t', 0, 1000)).toEqual({ records: [], fromOffset: 1000, nextOffset: 1000 });
    expect(await log.read('nope', 0, 0)).toEqual({ records: [], fromOffset: 0, nextOffset: 0 });
    expect([log.startOffset('nope', 0), log.endOffset('nope', 0)]).toEqual([0, 0]);
    expect(log.topics()).toEqual(['t']);
  });

  it('keeps offsets and records across close and reopen, and continues after them', async () => {
    const dir = await tempDir();
    const first = await openLog(dir, { segmentBytes: 300, indexIntervalBytes: 64 });
    for (let b = 0; b < 10; b++) await first.append('a', batch(`one-${b}`, 4));
    await first.append('b', batch('b', 2));
    const before = await readAll(first, 'a');
    await first.close();

    const second = await openLog(dir, { segmentBytes: 300, indexIntervalBytes: 64 });
    expect(second.recovery).toEqual([]);
    expect(second.topics()).toEqual(['a', 'b']);
    expect([second.startOffset('a', 0), second.endOffset('a', 0), second.endOffset('b', 0)]).toEqual([
      0, 40, 2,
    ]);
    expect(await readAll(second, 'a')).toEqual(before);
    expect(await second.append('a', batch('two', 3))).toEqual(appended(40, 42));
    expect((await second.read('a', 0, 17, { maxRecords: 1 })).records).toEqual([before[17]]);
    await second.close();

    const third = await openLog(dir, { segmentBytes: 300 });
    expect(values(await readAll(third, 'a', 38))).toEqual([
      'value-one-9-2',
      'value-one-9-3',
      ...values(batch('two', 3)),
    ]);
  });

  it.each<FsyncMode>(['always', 'interval', 'never'])(
    'serializes concurrent appends (fsync %s): call order kept, offsets dense',
    async (fsync) => {
      const log = await openLog(await tempDir(), { fsync, segmentBytes: 2000 });
      const sizes = Array.from({ length: 200 }, (_, i) => 1 + ((i * 7) % 5));
      const results = await Promise.all(sizes.map((size, i) => log.append('t', batch(`c${i}`, size))));
      let next = 0;
      results.forEach((result, i) => {
        expect(result).toEqual(appended(next, next + sizes[i] - 1));
        next += sizes[i];
      });
      const expected = sizes.flatMap((size, i) => values(batch(`c${i}`, size)));
      expect(values(await readAll(log, 't', 0, 100))).toEqual(expected);
    },
  );

  describe('fsync', () => {
    /** Counts fdatasync calls on any file handle during `body`. */
    const countSyncs = async (body: () => Promise<void>): Promise<number> => {
      const handle = await fsOpen(fileURLToPath(import.meta.url), 'r');
      const prototype = Object.getPrototypeOf(handle) as { datasync: () => Promise<void> };
      await handle.close();
      const spy = vi.spyOn(prototype, 'datasync');
      try {
        await body();
        return spy.mock.calls.length;
      } finally {
        spy.mockRestore();
      }
    };

    it("'always' shares one fdatasync among the appends that arrive together", async () => {
      const log = await openLog(await tempDir(), { fsync: 'always' });
      await log.append('t', batch('warm-up', 1));
      expect(await countSyncs(async () => void (await log.append('t', batch('one', 2))))).toBe(1);
      const together = await countSyncs(async () => {
        await Promise.all(Array.from({ length: 50 }, (_, i) => log.append('t', batch(`${i}`, 2))));
      });
      expect(together).toBeLessThanOrEqual(2);
    });

    it("'interval' fsyncs a written segment within the interval, and 'never' does not", async () => {
      const interval = await openLog(await tempDir(), { fsync: 'interval', fsyncIntervalMs: 10 });
      const never = await openLog(await tempDir(), { fsync: 'never', fsyncIntervalMs: 10 });
      expect(
        await countSyncs(async () => {
          await interval.append('t', batch('a', 1));
          await new Promise((resolve) => setTimeout(resolve, 100));
        }),
      ).toBeGreaterThanOrEqual(1);
      expect(
        await countSyncs(async () => {
          await never.append('t', batch('a', 1));
          await new Promise((resolve) => setTimeout(resolve, 100));
        }),
      ).toBe(0);
    });
  });

  it('acknowledges an empty batch without writing: it touched no partition', async () => {
    const log = await openLog(await tempDir());
    await log.append('t', batch('a', 2));
    expect(await log.append('t', [])).toEqual({ partitions: [] });
    expect(log.endOffset('t', 0)).toBe(2);
  });

  describe('waitForData', () => {
    it('resolves at once when the data is there, and when an append passes the offset', async () => {
      const log = await openLog(await tempDir(), { fsync: 'always' });
      await log.append('t', batch('a', 2));
      expect(await log.waitForData('t', 0, 1)).toBe(2);
      const waiting = log.waitForData('t', 0, 3);
      let resolved = false;
      void waiting.then(() => (resolved = true));
      await log.append('t', batch('b', 1)); // end 3: offset 3 is not readable yet
      await new Promise((r) => setImmediate(r));
      expect(resolved).toBe(false);
      await log.append('t', batch('c', 2));
      expect(await waiting).toBe(5);
    });

    it('creates the topic, so a consumer can start before the producer', async () => {
      const dir = await tempDir();
      const log = await openLog(dir);
      const waiting = log.waitForData('later', 0, 0);
      await log.append('later', [record('x')]);
      expect(await waiting).toBe(1);

      const unfed = expect(log.waitForData('never-fed', 0, 0)).rejects.toMatchObject({
        code: 'TRB_LOG_CLOSED',
      });
      await log.close();
      await unfed;
      expect((await openLog(dir)).topics()).toEqual(['later', 'never-fed']);
    });

    it('rejects on abort with the signal reason, and on close with TRB_LOG_CLOSED', async () => {
      const log = await openLog(await tempDir());
      const controller = new AbortController();
      const aborted = log.waitForData('t', 0, 0, controller.signal);
      controller.abort(new Error('stop'));
      await expect(aborted).rejects.toThrow('stop');
      await expect(log.waitForData('t', 0, 0, AbortSignal.abort(new Error('already')))).rejects.toThrow(
        'already',
      );
      const pending = expect(log.waitForData('t', 0, 0)).rejects.toMatchObject({ code: 'TRB_LOG_CLOSED' });
      await log.close();
      await pending;
    });
  });

  describe('misuse', () => {
    it.each(['', 'a/b', '..', '.', 'spaces here', 'x'.repeat(201), 'é', 'a\\b', 'nul\0'])(
      'refuses the topic name %j, naming the field and the allowed characters',
      async (topic) => {
        const log = await openLog(await tempDir());
        const error = {
          code: 'TRB_LOG_BAD_TOPIC',
          message: expect.stringMatching(/^topic: .*A-Z a-z 0-9 \. _ -/),
        };
        await expect(log.append(topic, [record('x')])).rejects.toMatchObject(error);
        await expect(log.read(topic, 0, 0)).rejects.toMatchObject(error);
        expect(() => log.endOffset(topic, 0)).toThrow(expect.objectContaining(error));
      },
    );

    it('accepts the longest and oddest allowed names', async () => {
      const log = await openLog(await tempDir());
      for (const topic of ['x'.repeat(200), '...', '-_.', 'A.b-C_9']) await log.append(topic, [record('x')]);
      expect(log.topics()).toHaveLength(4);
    });

    it('rejects a malformed batch whole, naming the record and the field', async () => {
      const log = await openLog(await tempDir());
      const cases: [unknown, RegExp][] = [
        [[record('ok'), { value: 'text' }], /records\[1\]\.value is not a Buffer/],
        [[{ value: Buffer.from('x'), key: 5 }], /records\[0\]\.key is a number/],
        [[{ value: Buffer.from('x'), timestamp: Number.NaN }], /records\[0\]\.timestamp is NaN/],
        [[null], /records\[0\]\.value is missing/],
        [[{ value: Buffer.from('x'), headers: {} }], /records\[0\]\.headers is not an array/],
        [
          [{ value: Buffer.from('x'), headers: [['a', Buffer.from('1')], ['b']] }],
          /^records\[0\]\.headers\[1\] is not a \[key, value\] pair/,
        ],
        [
          [{ value: Buffer.from('x'), headers: [[1, Buffer.from('1')]] }],
          /records\[0\]\.headers\[0\] has a number key/,
        ],
        [
          [{ value: Buffer.from('x'), headers: [['a', 'text']] }],
          /records\[0\]\.headers\[0\] has a value that is not a Buffer/,
        ],
        [
          [{ value: Buffer.from('x'), headers: [['k'.repeat(70_000), Buffer.alloc(0)]] }],
          /headers\[0\] has a key longer than 64 KiB/,
        ],
        ['not an array', /records must be an array/],
      ];
      for (const [records, message] of cases) {
        await expect(log.append('t', records as never)).rejects.toMatchObject({
          code: 'TRB_LOG_BAD_RECORD',
          message: expect.stringMatching(message),
        });
      }
      expect(log.endOffset('t', 0)).toBe(0);
    });

    it('rejects bad offsets and limits', async () => {
      const log = await openLog(await tempDir());
      for (const [from, options] of [
        [-1, {}],
        [1.5, {}],
        [Number.NaN, {}],
        [0, { maxRecords: 0 }],
        [0, { maxBytes: -1 }],
        [0, { maxRecords: 1.5 }],
      ] as const) {
        await expect(log.read('t', 0, from, options)).rejects.toMatchObject({ code: 'TRB_LOG_BAD_READ' });
      }
      await expect(log.waitForData('t', 0, -1)).rejects.toMatchObject({ code: 'TRB_LOG_BAD_READ' });
    });

    it('refuses every call after close, and close twice is harmless', async () => {
      const log = await openLog(await tempDir());
      await log.close();
      await log.close();
      await expect(log.append('t', [record('x')])).rejects.toMatchObject({ code: 'TRB_LOG_CLOSED' });
      await expect(log.read('t', 0, 0)).rejects.toMatchObject({ code: 'TRB_LOG_CLOSED' });
      expect(() => log.topics()).toThrow(expect.objectContaining({ code: 'TRB_LOG_CLOSED' }));
      await expect(log.enforceRetention()).rejects.toMatchObject({ code: 'TRB_LOG_CLOSED' });
    });

    it('writes the appends that were queued when close was called', async () => {
      const dir = await tempDir();
      const log = await openLog(dir);
      const appends = [log.append('t', batch('a', 3)), log.append('t', batch('b', 3))];
      await log.close();
      await expect(Promise.all(appends)).resolves.toHaveLength(2);
      const again = await openLog(dir);
      expect(again.endOffset('t', 0)).toBe(6);
    });

    it('refuses a second open of the same directory until the first closes', async () => {
      const dir = await tempDir();
      const first = await openLog(dir);
      await expect(openEmbeddedLog({ dir })).rejects.toMatchObject({
        code: 'TRB_LOG_LOCKED',
        message: expect.stringContaining('dir:'),
      });
      await first.close();
      await openLog(dir);
      expect(await readdir(dir)).toContain('.lock');
    });

    it('stops appending to a topic whose files failed, until it is reopened', async () => {
      const dir = await tempDir();
      const log = await openLog(dir, { segmentBytes: 100 });
      await log.append('t', batch('a', 1));
      // The next segment's file name is taken by a directory, so the roll cannot create it.
      const blocker = join(dir, 't', '0', '00000000000000000001.log');
      await mkdir(blocker);
      await expect(log.append('t', batch('b', 3))).rejects.toMatchObject({
        code: 'TRB_LOG_IO_FAILED',
        domain: 'external',
        message: expect.stringMatching(/^topic 't' partition 0: rolling .* failed .*reopen the log$/),
      });
      await expect(log.append('t', batch('c', 1))).rejects.toMatchObject({ code: 'TRB_LOG_IO_FAILED' });
      expect(await log.append('other', batch('d', 1))).toEqual(appended(0, 0));
      expect(log.endOffset('t', 0)).toBe(1);
      await log.close();

      await rm(blocker, { recursive: true });
      const reopened = await openLog(dir, { segmentBytes: 100 });
      expect(await reopened.append('t', batch('e', 1))).toEqual(appended(1, 1));
      expect(values(await readAll(reopened, 't'))).toEqual(['value-a-0', 'value-e-0']);
    });

    it('names the directory when it cannot be opened', async () => {
      const file = join(await tempDir(), 'a-file');
      await writeFile(file, '');
      await expect(openEmbeddedLog({ dir: file })).rejects.toMatchObject({
        code: 'TRB_LOG_IO_FAILED',
        message: expect.stringContaining(`dir: opening the embedded log in ${file} failed`),
      });
    });

    it.each([
      [{ fsync: 'sometimes' }, /^fsync: "sometimes" is not a mode/],
      [{ fsyncIntervalMs: 0 }, /^fsyncIntervalMs: 0/],
      [{ segmentBytes: 0 }, /^segmentBytes: 0 is not an integer from 1/],
      [{ segmentBytes: 2 ** 40 }, /^segmentBytes:/],
      [{ indexIntervalBytes: 1.5 }, /^indexIntervalBytes: 1.5/],
      [{ retention: { maxBytes: -1 } }, /^retention\.maxBytes: -1 is not a positive number/],
      [{ topics: { 'a/b': {} } }, /^topic: 'a\/b'/],
      [{ topics: { a: { retention: { maxAgeMs: 0 } } } }, /^topics\.a\.retention\.maxAgeMs: 0/],
      [{ dir: '' }, /^dir: "" is not a directory path/],
    ])('refuses the option %j', async (options, message) => {
      const dir = await tempDir();
      await expect(openEmbeddedLog({ dir, ...(options as object) })).rejects.toMatchObject({
        code: expect.stringMatching(/^TRB_LOG_BAD_(CONFIG|TOPIC)$/),
        message: expect.stringMatching(message),
      });
    });
  });
});
