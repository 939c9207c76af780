/**
 * The promise of an acknowledged append: a child process appends batches in a loop and
 * prints each acknowledged range per partition; we SIGKILL it at a random moment, start it
 * again, kill it again, … then reopen the log: every acknowledged record must be there,
 * intact, in the partition its key (or its explicit partition) chose, and each partition's
 * offsets dense. (A process crash does not lose the OS page cache, so this holds in every
 * fsync mode; power loss is what `always` adds — see docs/embedded-log.md.)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FsyncMode,
  type LogRecord,
  openEmbeddedLog,
  partitionForKey,
} from '../../../src/connectors/log/index.js';
import { readAll, tempDir, track } from './helpers.js';

const RUNS = 6;
const repo = new URL('../../../', import.meta.url);

/** The child needs JavaScript: transpile the log's sources (types only stripped) into a temp dir. */
const buildChild = async (out: string): Promise<string> => {
  // The log's sources, and what they import: the error catalogue and Kafka's hash.
  const outside: Record<string, string[]> = { src: ['errors.ts'], 'src/engine/state': ['murmur2.ts'] };
  for (const folder of ['src/connectors/log', ...Object.keys(outside)]) {
    await mkdir(join(out, folder), { recursive: true });
    const files = (await readdir(new URL(folder, repo))).filter((f) => f.endsWith('.ts'));
    for (const file of outside[folder] ?? files) {
      const source = await readFile(new URL(`${folder}/${file}`, repo), 'utf8');
      const { outputText } = ts.transpileModule(source, {
        fileName: file,
        compilerOptions: {
          module: ts.ModuleKind.ESNext,
          target: ts.ScriptTarget.ES2022,
          verbatimModuleSyntax: true,
        },
      });
      await writeFile(join(out, folder, file.replace(/\.ts$/, '.js')), outputText);
    }
  }
  await writeFile(join(out, 'package.json'), '{ "type": "module" }');
  await writeFile(join(out, 'child.js'), CHILD);
  return join(out, 'child.js');
};

// Four producers keep appends in flight, so batches are group-committed and rolls happen mid-group.
// An ack line lists each partition's range: "ack run seq partition:base:last …".
const CHILD = `
import { openEmbeddedLog } from './src/connectors/log/index.js';
import { expectedValue, recordFor } from './values.js';
const [dir, fsync, run, partitions] = process.argv.slice(2);
const log = await openEmbeddedLog({ dir, fsync, segmentBytes: 256 * 1024, fsyncIntervalMs: 5 });
await log.createTopic('events', { partitions: Number(partitions) });
process.stdout.write('ready\\n');
let next = 0;
const produce = async () => {
  for (;;) {
    const seq = next++;
    const size = 1 + ((seq * 7919) % 150);
    const records = Array.from({ length: size }, (_, j) => ({ ...recordFor(j, Number(partitions)), value: Buffer.from(expectedValue(run, seq, j)) }));
    const result = await log.append('events', records);
    const ranges = result.partitions.map((p) => p.partition + ':' + p.baseOffset + ':' + p.lastOffset);
    process.stdout.write(['ack', run, seq, ...ranges].join(' ') + '\\n');
  }
};
for (let i = 0; i < 4; i++) void produce();
`;

/**
 * The value of record `j` of batch `seq` in run `run`, and how it is placed (most by key, every
 * seventh by an explicit partition): shared, as JavaScript, by the child and the check.
 */
const VALUES_MODULE = `
export const expectedValue = (run, seq, j) => ('r' + run + '-b' + seq + '-' + j + '-').padEnd(40 + ((seq + j) % 200), 'x');
export const recordFor = (j, partitions) => (j % 7 === 3 ? { partition: j % partitions } : { key: 'k' + (j % 10) });
`;
let expectedValue: (run: string, seq: number, j: number) => string;
let recordFor: (j: number, partitions: number) => { key?: string; partition?: number };

interface Ack {
  readonly run: string;
  readonly seq: number;
  readonly ranges: readonly { partition: number; baseOffset: number; lastOffset: number }[];
}

/** Runs the child until a random moment after it is ready, SIGKILLs it, and returns its acknowledgements. */
const runAndKill = (
  script: string,
  dir: string,
  fsync: FsyncMode,
  partitions: number,
  run: number,
): Promise<Ack[]> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(
      process.execPath,
      [script, dir, fsync, String(run), String(partitions)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let output = '';
    let due = false;
    // On a loaded machine the first append may take longer than the delay: then the kill waits
    // for the first acknowledgement, so that every run has something to check.
    const killWhenAcked = (): void => {
      if (due && /^ack /m.test(output)) child.kill('SIGKILL');
    };
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      if (!output.includes('ready') && `${output}${chunk}`.includes('ready')) {
        setTimeout(
          () => {
            due = true;
            killWhenAcked();
          },
          20 + Math.random() * 300,
        );
      }
      output += chunk;
      killWhenAcked();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL')
        return reject(new Error(`child exited by itself (${code}): ${output.slice(-500)}`));
      // Only whole lines count: a line cut by the kill was never fully printed.
      const lines = output.split('\n').slice(0, -1);
      const acks = lines
        .filter((line) => line.startsWith('ack '))
        .map((line) => {
          const [, run, seq, ...ranges] = line.split(' ');
          return {
            run,
            seq: Number(seq),
            ranges: ranges.map((range) => {
              const [partition, baseOffset, lastOffset] = range.split(':').map(Number);
              return { partition, baseOffset, lastOffset };
            }),
          };
        });
      resolve(acks);
    });
  });

describe('a process killed while appending', () => {
  let build: string;
  let script: string;
  beforeAll(async () => {
    build = await mkdtemp(join(tmpdir(), 'tributary-log-child-'));
    script = await buildChild(build);
    const values = join(build, 'values.js');
    await writeFile(values, VALUES_MODULE);
    ({ expectedValue, recordFor } = await import(pathToFileURL(values).href));
  });
  afterAll(() => rm(build, { recursive: true, force: true }));

  it.each<[FsyncMode, number]>([
    ['always', 1],
    ['interval', 1],
    ['always', 3],
  ])(
    'loses no acknowledged record and keeps offsets dense (fsync %s, %i partitions)',
    async (fsync, partitions) => {
      const dir = await tempDir();
      const acks: Ack[] = [];
      for (let run = 0; run < RUNS; run++) {
        const acked = await runAndKill(script, dir, fsync, partitions, run);
        expect(acked.length, `run ${run} acknowledged nothing before the kill`).toBeGreaterThan(0);
        acks.push(...acked);
      }

      const log = track(await openEmbeddedLog({ dir, fsync }));
      expect(log.partitions('events')).toBe(partitions);
      const stored: LogRecord[][] = [];
      for (let partition = 0; partition < partitions; partition++) {
        const records = await readAll(log, 'events', 0, 5000, partition);
        expect(records.map((r) => r.offset)).toEqual(records.map((_, i) => i));
        expect(log.endOffset('events', partition)).toBe(records.length);
        stored.push(records);
      }
      // Checked in plain code and asserted once: an expect per record would dominate the run time.
      const wrong: string[] = [];
      for (const ack of acks) {
        // The batch's records per partition, in batch order: what each acknowledged range must hold.
        const placed = new Map<number, { j: number; key?: string }[]>();
        for (let j = 0; j < 1 + ((ack.seq * 7919) % 150); j++) {
          const { key, partition } = recordFor(j, partitions);
          const p = partition ?? partitionForKey(key!, partitions);
          placed.set(p, [...(placed.get(p) ?? []), { j, key }]);
        }
        const touched = [...placed.keys()].sort((a, b) => a - b);
        if (ack.ranges.map((r) => r.partition).join() !== touched.join()) {
          wrong.push(`batch ${ack.seq}: acknowledged partitions ${ack.ranges.map((r) => r.partition)}`);
        }
        for (const { partition, baseOffset, lastOffset } of ack.ranges) {
          const expected = placed.get(partition) ?? [];
          if (lastOffset - baseOffset + 1 !== expected.length) wrong.push(`batch ${ack.seq}: range size`);
          for (let offset = baseOffset; offset <= lastOffset; offset++) {
            const { j, key } = expected[offset - baseOffset] ?? { j: -1 };
            const found = stored[partition][offset];
            if (found?.value.toString() !== expectedValue(ack.run, ack.seq, j) || found.key !== key) {
              wrong.push(
                `run ${ack.run} batch ${ack.seq} partition ${partition} offset ${offset}: ${found?.value.toString().slice(0, 20)}`,
              );
            }
          }
        }
      }
      expect(wrong.slice(0, 5)).toEqual([]);
      expect(acks.length).toBeGreaterThan(RUNS);
    },
  );
});
