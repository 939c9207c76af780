import {
  appendFile,
  copyFile,
  mkdtemp,
  open,
  readFile,
  rename,
  rm,
  stat,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEAD_LETTER_TOPIC, type DeadLetterRecord } from '../../../src/connectors/dead-letter.js';
import { createFileIngestor, type FileOptions, positionFile } from '../../../src/connectors/file/index.js';
import type { Appender, Ingestor } from '../../../src/connectors/ingestor.js';
import { type EmbeddedLog, openEmbeddedLog } from '../../../src/connectors/log/index.js';

let dir: string;
let file: string;
let stateDir: string;
let log: EmbeddedLog;
const running: Ingestor[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tributary-file-'));
  file = join(dir, 'app.log');
  stateDir = join(dir, 'state');
  log = await openEmbeddedLog({ dir: join(dir, 'log') });
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((ingestor) => ingestor.stop()));
  await log.close();
  await rm(dir, { recursive: true, force: true });
});

const tail = (options: Partial<FileOptions> = {}, appender: Appender = log): Ingestor => {
  const ingestor = createFileIngestor(
    { name: 'app', path: file, pollIntervalMs: 100, stateDir, ...options },
    appender,
  );
  running.push(ingestor);
  return ingestor;
};

const waitFor = async (
  what: string,
  condition: () => boolean | Promise<boolean>,
  ms = 10_000,
): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
};

const values = async <T = unknown>(topic = 'app'): Promise<T[]> => {
  const { records } = await log.read(topic, 0, 0);
  return records.map((record) => JSON.parse(record.value.toString('utf8')) as T);
};

const lines = (from: number, to: number): string =>
  Array.from({ length: to - from }, (_, i) => `${JSON.stringify({ n: from + i })}\n`).join('');

const ns = async (): Promise<number[]> => (await values<{ n: number }>()).map((v) => v.n);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
const events = (count: number) => () => log.endOffset('app', 0) >= count;

describe('the file ingestor', () => {
  it('appends each new JSON line, byte for byte', async () => {
    await writeFile(file, '{"n":0}\n{"n": 1, "tag":"x"}\n');
    const app = tail({ startAt: 'start' });
    await app.start();
    await waitFor('two lines', events(2));
    await appendFile(file, lines(2, 5));
    await waitFor('five lines', events(5));
    const { records } = await log.read('app', 0, 0, { maxRecords: 2 });
    expect(records.map((r) => r.value.toString())).toEqual(['{"n":0}', '{"n": 1, "tag":"x"}']);
    expect(await ns()).toEqual(range(0, 5));
    expect(app.stats()).toMatchObject({ events: 5, rejected: 0, active: true });
  });

  it('starts at the end by default, after the last complete line', async () => {
    await writeFile(file, `${lines(0, 3)}{"n":`);
    const app = tail();
    await app.start();
    await sleep(150);
    expect(log.endOffset('app', 0)).toBe(0);
    await appendFile(file, `3}\n${lines(4, 5)}`);
    await waitFor('two lines', events(2));
    expect(await ns()).toEqual([3, 4]);
  });

  it('waits for the newline of a partial last line', async () => {
    await writeFile(file, '');
    const app = tail({ startAt: 'start' });
    await app.start();
    await appendFile(file, '{"n":0}\n{"n":');
    await waitFor('one line', events(1));
    await sleep(300);
    expect(log.endOffset('app', 0)).toBe(1);
    await appendFile(file, '1}\n');
    await waitFor('two lines', events(2));
    expect(await ns()).toEqual([0, 1]);
  });

  it('follows a rotation by rename: the old file to its end, then the new one from its start', async () => {
    await writeFile(file, lines(0, 3));
    const app = tail({ startAt: 'start' });
    await app.start();
    await waitFor('three lines', events(3));

    // The writer still holds the old file when it is renamed, writes a little more, then reopens.
    const writer = await open(file, 'a');
    await rename(file, `${file}.1`);
    await writer.write(lines(3, 5));
    await writer.close();
    await writeFile(file, lines(5, 8));
    await waitFor('eight lines', events(8));
    await appendFile(file, lines(8, 9));
    await waitFor('nine lines', events(9));
    expect(await ns()).toEqual(range(0, 9));
  });

  it('reads a rotated file whose last line has no newline to its end, that line included', async () => {
    await writeFile(file, lines(0, 2));
    const app = tail({ startAt: 'start' });
    await app.start();
    await waitFor('two lines', events(2));
    await appendFile(file, '{"n":2}');
    await sleep(150);
    await rename(file, `${file}.1`);
    await writeFile(file, lines(3, 4));
    await waitFor('four lines', events(4));
    expect(await ns()).toEqual(range(0, 4));
  });

  it('follows copy-truncate', async () => {
    await writeFile(file, lines(0, 20));
    const app = tail({ startAt: 'start' });
    await app.start();
    await waitFor('twenty lines', events(20));

    await copyFile(file, `${file}.1`);
    await truncate(file, 0);
    await sleep(250);
    await appendFile(file, lines(20, 23));
    await waitFor('twenty-three lines', events(23));
    await sleep(250);
    expect(await ns()).toEqual(range(0, 23));
  });

  it('turns regex lines into their named groups, and rejects lines that do not match with file and line', async () => {
    const pattern = '^(?<ts>\\S+) (?<level>[A-Z]+) (?<message>.*?)(?: user=(?<user>\\w+))?$';
    await writeFile(
      file,
      [
        '2025-01-01T12:00:00Z INFO started',
        '2025-01-01T12:00:01Z WARN login failed user=alice',
        '   garbled line',
        '',
        '2025-01-01T12:00:02Z ERROR disk full\r',
      ].join('\n') + '\n',
    );
    const app = tail({ startAt: 'start', format: { regex: pattern } });
    await app.start();
    await waitFor('all lines', () => app.stats().events + app.stats().rejected === 4);

    expect(await values()).toEqual([
      { ts: '2025-01-01T12:00:00Z', level: 'INFO', message: 'started' },
      { ts: '2025-01-01T12:00:01Z', level: 'WARN', message: 'login failed', user: 'alice' },
      { ts: '2025-01-01T12:00:02Z', level: 'ERROR', message: 'disk full' },
    ]);
    const [letter] = await values<DeadLetterRecord>(DEAD_LETTER_TOPIC);
    const offset = Buffer.byteLength(
      '2025-01-01T12:00:00Z INFO started\n2025-01-01T12:00:01Z WARN login failed user=alice\n',
    );
    expect(letter).toEqual({
      at: expect.any(Number),
      stage: 'ingest',
      source: 'app',
      error: {
        name: 'TributaryError',
        code: 'TRB_BAD_RECORD',
        message: expect.stringContaining('does not match the pattern'),
      },
      input: '   garbled line',
      encoding: 'utf8',
      origin: { file, line: 3, offset },
    });
  });

  it('dead-letters lines that are not JSON, or not UTF-8, or too long, and goes on with the right line numbers', async () => {
    const long = `{"pad":"${'x'.repeat(200)}"}`;
    await writeFile(
      file,
      Buffer.concat([
        Buffer.from(`{"n":0}\nnot json\n${long}\n`),
        Buffer.from([0xff, 0xfe, 0x0a]),
        Buffer.from('{"n":4}\n'),
      ]),
    );
    const app = tail({ startAt: 'start', maxLineBytes: 64 });
    await app.start();
    await waitFor('all lines', () => app.stats().events + app.stats().rejected === 5);
    expect(await ns()).toEqual([0, 4]);
    const letters = await values<DeadLetterRecord>(DEAD_LETTER_TOPIC);
    expect(letters.map((r) => [r.origin?.line, r.encoding])).toEqual([
      [2, 'utf8'],
      [3, 'utf8'],
      [4, 'base64'],
    ]);
    expect(letters[0].error.message).toMatch(/not JSON/);
    expect(letters[1].error.message).toMatch(/longer than maxLineBytes \(64\)/);
    expect(letters[1].input).toBe(long.slice(0, 64));
    expect(Buffer.from(letters[2].input!, 'base64')).toEqual(Buffer.from([0xff, 0xfe]));
  });

  it('waits for a file that does not exist yet, then reads it from its start', async () => {
    const app = tail();
    await app.start();
    await sleep(150);
    await writeFile(file, lines(0, 2));
    await waitFor('two lines', events(2));
    expect(await ns()).toEqual([0, 1]);
  });

  it('remembers its position: a restart resumes without losing or repeating a line', async () => {
    await writeFile(file, lines(0, 100));
    const first = tail({ startAt: 'start' });
    await first.start();
    await waitFor('100 lines', events(100));
    await first.stop();

    const saved = JSON.parse(await readFile(positionFile(stateDir, 'app'), 'utf8'));
    const info = await stat(file, { bigint: true });
    expect(saved).toMatchObject({
      ino: String(info.ino),
      dev: String(info.dev),
      offset: Number(info.size),
      line: 100,
    });

    await appendFile(file, lines(100, 150));
    const second = tail({ startAt: 'start' });
    await second.start();
    await waitFor('150 lines', events(150));
    await sleep(300);
    expect(await ns()).toEqual(range(0, 150));
  });

  it('resumes in the old file when it was rotated while stopped', async () => {
    await writeFile(file, lines(0, 10));
    const first = tail({ startAt: 'start' });
    await first.start();
    await waitFor('10 lines', events(10));
    await first.stop();

    await appendFile(file, lines(10, 15));
    await rename(file, `${file}.1`);
    await writeFile(file, lines(15, 20));

    const second = tail();
    await second.start();
    await waitFor('20 lines', events(20));
    await sleep(300);
    expect(await ns()).toEqual(range(0, 20));
  });

  it('keeps lines whose append failed and appends them once the log recovers', async () => {
    let failing = true;
    const flaky: Appender = {
      append: (topic, records) =>
        failing ? Promise.reject(new Error('disk full')) : log.append(topic, records),
    };
    await writeFile(file, lines(0, 5));
    const app = tail({ startAt: 'start' }, flaky);
    await app.start();
    await waitFor('it reports the failure', () => app.stats().lastError !== undefined);
    expect(app.stats().lastError).toContain('disk full');
    await appendFile(file, lines(5, 8));
    failing = false;
    await waitFor('eight lines', events(8));
    expect(await ns()).toEqual(range(0, 8));
    await waitFor('the error clears', () => app.stats().lastError === undefined);
  });

  it('refuses a position state it cannot read, naming the file', async () => {
    await writeFile(file, lines(0, 1));
    const { mkdir } = await import('node:fs/promises');
    await mkdir(stateDir, { recursive: true });
    await writeFile(positionFile(stateDir, 'app'), '{"offset": "soon"}');
    await expect(tail().start()).rejects.toMatchObject({
      code: 'TRB_FILE_BAD_STATE',
      message: expect.stringContaining('app.position.json'),
    });
  });

  it.each([
    [{ format: { regex: '^(\\w+) (\\d+)$' } }, 'named groups'],
    [{ format: { regex: '(' } }, 'does not compile'],
    [{ startAt: 'middle' }, 'startAt'],
    [{ path: '' }, 'path'],
    [{ maxLineBytes: 0 }, 'maxLineBytes'],
  ])('rejects %o', (bad, problem) => {
    expect(() => createFileIngestor({ name: 'app', path: file, ...bad } as FileOptions, log)).toThrow(
      expect.objectContaining({ code: 'TRB_INGEST_BAD_CONFIG', message: expect.stringContaining(problem) }),
    );
  });
});
