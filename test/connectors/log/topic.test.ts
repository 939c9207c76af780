/**
 * Topics of several partitions: where records land, how a topic is created and grown, and
 * how each partition is read — each partition is its own sequence of offsets from 0.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openEmbeddedLog, partitionForKey } from '../../../src/connectors/log/index.js';
import { openLog, readAll, record, tempDir, values } from './helpers.js';

describe('placing records in partitions', () => {
  it('uses record.partition, else the key as Kafka hashes it, else round-robin per record', async () => {
    const log = await openLog(await tempDir(), { partitions: 3 });
    const result = await log.append('t', [
      record('rr-0'), // round-robin: 0
      record('explicit-2', { partition: 2 }),
      record('key-abc', { key: 'abc' }), // Kafka: "abc" → partition 0 of 3
      record('rr-1'), // 1
      record('key-a', { key: 'a' }), // Kafka: "a" → partition 1 of 3
      record('explicit-0-keyed', { partition: 0, key: 'a' }), // the explicit partition wins over the key
      record('rr-2'), // 2
      record('rr-0-again'), // 0
    ]);
    expect(result).toEqual({
      partitions: [
        { partition: 0, baseOffset: 0, lastOffset: 3 },
        { partition: 1, baseOffset: 0, lastOffset: 1 },
        { partition: 2, baseOffset: 0, lastOffset: 1 },
      ],
    });
    expect(values(await readAll(log, 't', 0, 7, 0))).toEqual([
      'value-rr-0',
      'value-key-abc',
      'value-explicit-0-keyed',
      'value-rr-0-again',
    ]);
    expect(values(await readAll(log, 't', 0, 7, 1))).toEqual(['value-rr-1', 'value-key-a']);
    expect(values(await readAll(log, 't', 0, 7, 2))).toEqual(['value-explicit-2', 'value-rr-2']);
    // The round-robin position is the topic's, not the batch's: the next batch goes on from it.
    expect(await log.append('t', [record('rr-next')])).toEqual({
      partitions: [{ partition: 1, baseOffset: 2, lastOffset: 2 }],
    });
  });

  it('sends every record with the same key to one partition, the one partitionForKey names', async () => {
    const log = await openLog(await tempDir(), { partitions: 8 });
    const keys = Array.from({ length: 50 }, (_, i) => `user-${i % 10}`);
    for (let b = 0; b < 5; b++)
      await log.append(
        't',
        keys.map((key, i) => record(`${b}-${i}`, { key })),
      );
    for (let partition = 0; partition < 8; partition++) {
      for (const { key } of await readAll(log, 't', 0, 100, partition)) {
        expect(partitionForKey(key!, 8)).toBe(partition);
      }
    }
  });

  it('refuses a record whose partition the topic does not have, naming it and the range, writing nothing', async () => {
    const log = await openLog(await tempDir(), { partitions: 2 });
    for (const partition of [2, -1, 0.5, Number.NaN]) {
      await expect(log.append('t', [record('ok'), record('bad', { partition })])).rejects.toMatchObject({
        code: 'TRB_LOG_BAD_RECORD',
        message: `records[1].partition is ${partition}, but topic 't' has 2 partitions; pass an integer from 0 to 1, or leave it out to place the record by key (or round-robin)`,
      });
    }
    expect([log.endOffset('t', 0), log.endOffset('t', 1)]).toEqual([0, 0]);
  });

  // Found by the model test: a one-partition topic skipped counting its round-robin records.
  it('goes on round-robin where it left off when a topic of one partition grows', async () => {
    const log = await openLog(await tempDir());
    await log.append('t', [record('rr-0')]);
    await log.createTopic('t', { partitions: 2 });
    expect(await log.append('t', [record('rr-1')])).toEqual({
      partitions: [{ partition: 1, baseOffset: 0, lastOffset: 0 }],
    });
  });
});

describe('creating and growing a topic', () => {
  it('creates a topic on first use with its configured count, per topic or log-wide', async () => {
    const log = await openLog(await tempDir(), { partitions: 3, topics: { single: { partitions: 1 } } });
    expect(log.partitions('many')).toBe(0);
    await log.append('many', [record('x')]);
    await log.append('single', [record('x')]);
    expect([log.partitions('many'), log.partitions('single')]).toEqual([3, 1]);
  });

  it('creates, is idempotent, grows with empty partitions, and never shrinks', async () => {
    const dir = await tempDir();
    const log = await openLog(dir);
    expect(await log.createTopic('t', { partitions: 2 })).toEqual({ topic: 't', partitions: 2 });
    expect(await log.createTopic('t', { partitions: 2 })).toEqual({ topic: 't', partitions: 2 });
    await log.append('t', [record('a', { partition: 0 }), record('b', { partition: 1 })]);

    expect(await log.createTopic('t', { partitions: 5 })).toEqual({ topic: 't', partitions: 5 });
    expect(log.partitions('t')).toBe(5);
    expect([0, 1, 2, 3, 4].map((p) => log.endOffset('t', p))).toEqual([1, 1, 0, 0, 0]);
    expect(await log.append('t', [record('c', { partition: 4 })])).toEqual({
      partitions: [{ partition: 4, baseOffset: 0, lastOffset: 0 }],
    });

    await expect(log.createTopic('t', { partitions: 3 })).rejects.toMatchObject({
      code: 'TRB_LOG_BAD_CONFIG',
      message:
        "partitions: topic 't' has 5 partitions on disk, and 3 was asked for; partitions can only grow, so pass 5 or more",
    });
    await log.close();

    const reopened = await openLog(dir, { partitions: 1 });
    expect(reopened.partitions('t')).toBe(5);
    expect(values(await readAll(reopened, 't', 0, 7, 4))).toEqual(['value-c']);
  });

  it('runs creations one at a time, so concurrent calls agree', async () => {
    const log = await openLog(await tempDir());
    const results = await Promise.all([
      log.createTopic('t', { partitions: 2 }),
      log.append('t', [record('x')]),
      log.createTopic('t', { partitions: 4 }),
      log.waitForData('t', 0, 0),
    ]);
    expect(results[0]).toEqual({ topic: 't', partitions: 2 });
    expect(results[2]).toEqual({ topic: 't', partitions: 4 });
    expect(log.partitions('t')).toBe(4);
  });

  it.each([0, -1, 1.5, 1025, '2', undefined])('refuses %j partitions', async (partitions) => {
    const log = await openLog(await tempDir());
    await expect(log.createTopic('t', { partitions } as never)).rejects.toMatchObject({
      code: 'TRB_LOG_BAD_CONFIG',
      message: expect.stringMatching(/^partitions: /),
    });
    expect(log.topics()).toEqual([]);
  });

  it.each([
    [{ partitions: 0 }, /^partitions: 0 is not an integer from 1 to 1024/],
    [{ topics: { a: { partitions: 2000 } } }, /^topics\.a\.partitions: 2000/],
  ])('refuses the option %j', async (options, message) => {
    await expect(openEmbeddedLog({ dir: await tempDir(), ...options })).rejects.toMatchObject({
      code: 'TRB_LOG_BAD_CONFIG',
      message: expect.stringMatching(message),
    });
  });
});

describe('reading a partition', () => {
  it('reads, waits and reports offsets per partition', async () => {
    const log = await openLog(await tempDir(), { partitions: 2 });
    await log.append('t', [record('a', { partition: 0 }), record('b', { partition: 0 })]);
    expect([log.endOffset('t', 0), log.endOffset('t', 1)]).toEqual([2, 0]);
    expect([log.startOffset('t', 0), log.startOffset('t', 1)]).toEqual([0, 0]);
    expect((await log.read('t', 1, 0)).records).toEqual([]);

    const waiting = log.waitForData('t', 1, 0);
    let resolved = false;
    void waiting.then(() => (resolved = true));
    await log.append('t', [record('c', { partition: 0 })]);
    await new Promise((r) => setImmediate(r));
    expect(resolved).toBe(false); // data in partition 0 does not wake a reader of partition 1
    await log.append('t', [record('d', { partition: 1 })]);
    expect(await waiting).toBe(1);
  });

  it('refuses a partition the topic does not have, naming it and the count', async () => {
    const log = await openLog(await tempDir(), { partitions: 2 });
    await log.append('t', [record('x')]);
    const error = {
      code: 'TRB_LOG_BAD_READ',
      message: "partition: 2 is not a partition of topic 't', which has 2 partitions; pass 0 to 1",
    };
    await expect(log.read('t', 2, 0)).rejects.toMatchObject(error);
    await expect(log.waitForData('t', 2, 0)).rejects.toMatchObject(error);
    expect(() => log.endOffset('t', 2)).toThrow(expect.objectContaining(error));
    expect(() => log.startOffset('t', -1)).toThrow(expect.objectContaining({ code: 'TRB_LOG_BAD_READ' }));
  });

  it('treats a topic that does not exist yet as its configured count of empty partitions', async () => {
    const log = await openLog(await tempDir(), { partitions: 2 });
    expect(await log.read('nope', 1, 5)).toEqual({ records: [], fromOffset: 5, nextOffset: 5 });
    expect(log.endOffset('nope', 1)).toBe(0);
    expect(log.topics()).toEqual([]);
    await expect(log.read('nope', 2, 0)).rejects.toMatchObject({
      message: expect.stringContaining(
        "topic 'nope', which does not exist yet and will be created with 2 partitions",
      ),
    });
    // waitForData creates it, so a reader can start before the producers.
    const waiting = log.waitForData('later', 1, 0);
    await log.append('later', [record('x', { partition: 1 })]);
    expect(await waiting).toBe(1);
    expect(log.partitions('later')).toBe(2);
  });
});

describe('the topic on disk', () => {
  it('keeps topic.json and one directory of segments per partition', async () => {
    const dir = await tempDir();
    const log = await openLog(dir, { partitions: 3 });
    await log.append('t', [record('x')]);
    expect((await readdir(join(dir, 't'))).sort()).toEqual(['0', '1', '2', 'topic.json']);
    expect(await readdir(join(dir, 't', '1'))).toEqual(['00000000000000000000.log']);
    expect(await readFile(join(dir, 't', 'topic.json'), 'utf8')).toBe('{"version":2,"partitions":3}\n');
  });

  it('creates a partition directory that a crash left uncreated after topic.json counted it', async () => {
    const dir = await tempDir();
    const log = await openLog(dir);
    await log.createTopic('t', { partitions: 2 });
    await log.append('t', [record('x', { partition: 0 })]);
    await log.close();
    await writeFile(join(dir, 't', 'topic.json'), '{"version":2,"partitions":3}\n');

    const reopened = await openLog(dir);
    expect(reopened.partitions('t')).toBe(3);
    expect(reopened.recovery).toEqual([]);
    expect(await reopened.append('t', [record('y', { partition: 2 })])).toEqual({
      partitions: [{ partition: 2, baseOffset: 0, lastOffset: 0 }],
    });
    expect(values(await readAll(reopened, 't'))).toEqual(['value-x']);
  });

  it('creates a topic whose creation a crash cut short, before topic.json, with its configured count', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 't'));
    await writeFile(join(dir, 't', 'topic.json.tmp'), '{"ver');
    const log = await openLog(dir, { partitions: 2 });
    expect(log.migrations).toEqual([]);
    expect(log.partitions('t')).toBe(2);
    expect(await readdir(join(dir, 't'))).not.toContain('topic.json.tmp');
  });

  it.each([
    ['not JSON', '{"version":2,', /topic\.json: is not JSON; restore it/],
    [
      'a newer layout',
      '{"version":3,"partitions":2}',
      /topic\.json: has layout version 3, newer than this Tributary reads \(2\)/,
    ],
    ['no partition count', '{"version":2}', /topic\.json: is not \{ "version": 2, "partitions": N ≥ 1 \}/],
  ])('refuses to open a topic.json that is %s, naming the file', async (_, content, message) => {
    const dir = await tempDir();
    const log = await openLog(dir);
    await log.append('t', [record('x')]);
    await log.close();
    await writeFile(join(dir, 't', 'topic.json'), content);
    await expect(openEmbeddedLog({ dir })).rejects.toMatchObject({
      code: 'TRB_LOG_BAD_LAYOUT',
      message: expect.stringMatching(message),
    });
    // The refused open released the directory.
    await rm(join(dir, 't', 'topic.json'));
    await writeFile(join(dir, 't', 'topic.json'), '{"version":2,"partitions":1}');
    expect(values(await readAll(await openLog(dir), 't'))).toEqual(['value-x']);
  });
});
