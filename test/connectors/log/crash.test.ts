/**
 * The promise of an acknowledged append: a child process appends batches in a loop and
 * prints each acknowledged range; we SIGKILL it at a random moment, start it again, kill it
 * again, … then reopen the log: every acknowledged record must be there, intact, and the
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
import { type FsyncMode, openEmbeddedLog } from '../../../src/connectors/log/index.js';
import { readAll, tempDir, track } from './helpers.js';

const RUNS = 6;
const repo = new URL('../../../', import.meta.url);

/** The child needs JavaScript: transpile the log's sources (types only stripped) into a temp dir. */
const buildChild = async (out: string): Promise<string> => {
  for (const folder of ['src/connectors/log', 'src/engine']) {
    await mkdir(join(out, folder), { recursive: true });
    const files = (await readdir(new URL(folder, repo))).filter((f) => f.endsWith('.ts'));
    for (const file of folder === 'src/engine' ? ['errors.ts'] : files) {
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
const CHILD = `
import { openEmbeddedLog } from './src/connectors/log/index.js';
import { expectedValue } from './values.js';
const [dir, fsync, run] = process.argv.slice(2);
const log = await openEmbeddedLog({ dir, fsync, segmentBytes: 256 * 1024, fsyncIntervalMs: 5 });
process.stdout.write('ready ' + log.endOffset('events') + '\\n');
let next = 0;
const produce = async () => {
  for (;;) {
    const seq = next++;
    const size = 1 + ((seq * 7919) % 150);
    const records = Array.from({ length: size }, (_, j) => ({ key: 'k' + (j % 10), value: Buffer.from(expectedValue(run, seq, j)) }));
    const { baseOffset, lastOffset } = await log.append('events', records);
    process.stdout.write(['ack', run, seq, baseOffset, lastOffset].join(' ') + '\\n');
  }
};
for (let i = 0; i < 4; i++) void produce();
`;

/** The value of record `j` of batch `seq` in run `run`: shared, as JavaScript, by the child and the check. */
const VALUES_MODULE =
  "export const expectedValue = (run, seq, j) => ('r' + run + '-b' + seq + '-' + j + '-').padEnd(40 + ((seq + j) % 200), 'x');\n";
let expectedValue: (run: string, seq: number, j: number) => string;

interface Ack {
  readonly run: string;
  readonly seq: number;
  readonly baseOffset: number;
  readonly lastOffset: number;
}

/** Runs the child until a random moment after it is ready, SIGKILLs it, and returns its acknowledgements. */
const runAndKill = (script: string, dir: string, fsync: FsyncMode, run: number): Promise<Ack[]> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [script, dir, fsync, String(run)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      if (!output.includes('ready') && `${output}${chunk}`.includes('ready')) {
        setTimeout(() => child.kill('SIGKILL'), 20 + Math.random() * 300);
      }
      output += chunk;
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
          const [, run, seq, base, last] = line.split(' ');
          return { run, seq: Number(seq), baseOffset: Number(base), lastOffset: Number(last) };
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
    ({ expectedValue } = await import(pathToFileURL(values).href));
  });
  afterAll(() => rm(build, { recursive: true, force: true }));

  it.each<FsyncMode>(['always', 'interval'])(
    'loses no acknowledged record and keeps offsets dense (fsync %s)',
    async (fsync) => {
      const dir = await tempDir();
      const acks: Ack[] = [];
      for (let run = 0; run < RUNS; run++) {
        const acked = await runAndKill(script, dir, fsync, run);
        expect(acked.length, `run ${run} acknowledged nothing before the kill`).toBeGreaterThan(0);
        acks.push(...acked);
      }

      const log = track(await openEmbeddedLog({ dir, fsync }));
      const records = await readAll(log, 'events', 0, 5000);
      expect(records.map((r) => r.offset)).toEqual(records.map((_, i) => i));
      expect(log.endOffset('events')).toBe(records.length);
      // Checked in plain code and asserted once: an expect per record would dominate the run time.
      const wrong: string[] = [];
      for (const ack of acks) {
        for (let offset = ack.baseOffset; offset <= ack.lastOffset; offset++) {
          const j = offset - ack.baseOffset;
          const found = records[offset];
          if (found?.value.toString() !== expectedValue(ack.run, ack.seq, j) || found.key !== `k${j % 10}`) {
            wrong.push(
              `run ${ack.run} batch ${ack.seq} offset ${offset}: ${found?.value.toString().slice(0, 20)}`,
            );
          }
        }
      }
      expect(wrong.slice(0, 5)).toEqual([]);
      expect(acks.length).toBeGreaterThan(RUNS);
    },
  );
});
