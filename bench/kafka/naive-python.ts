/**
 * The naive baseline: naive_loop.py, the seed documents' kafka-python loop (Debian's
 * python3-kafka, under /usr/bin/python3), in a process of its own for each run.
 *
 * Its clock is its own: from its partitions being assigned (a rebalance listener) to the
 * last record it counts, so the interpreter's start and the group join are left out
 * (`joinMs`: from the consumer's creation to the assignment; `firstRecordMs`: from then to
 * the first record). `rssMb` is the peak RSS of the Python process (VmHWM), the loop's dict
 * and the client's buffers included. `processMs` is the whole command, the interpreter's
 * start included.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCommand, tail } from './commands.js';
import type { Contender } from './contender.js';
import { freshGroupId } from './groups.js';
import { resultsMatch, windowCountsOf } from './reference.js';

const PYTHON = '/usr/bin/python3';
/** The slowest rate a run may have before it is killed as hung. */
const SLOWEST_EVENTS_PER_SEC = 2_000;

/** The script ships beside this file in bench/kafka/; compiled, this file runs from dist/bench/kafka/. */
const script = (): string => {
  const beside = fileURLToPath(new URL('naive_loop.py', import.meta.url));
  return existsSync(beside)
    ? beside
    : fileURLToPath(new URL('../../../bench/kafka/naive_loop.py', import.meta.url));
};

interface LoopOutput {
  events: number;
  joinSeconds: number;
  firstRecordSeconds: number;
  consumeSeconds: number;
  peakRssKb: number;
  counts: Record<string, number>;
}

let checked: Promise<void> | undefined;

/** Refuses to start without kafka-python, naming the package that brings it. */
export const requireKafkaPython = (): Promise<void> =>
  (checked ??= (async () => {
    const probe = await runCommand(PYTHON, ['-c', 'import kafka'], 30_000).catch((error: Error) => ({
      code: -1,
      stderr: error.message,
    }));
    if (probe.code !== 0) {
      throw new Error(
        `the naive baseline needs kafka-python under ${PYTHON}, which failed to import it ` +
          `(${tail(probe.stderr, 1)}): install Debian's package python3-kafka ` +
          '(apt-get install -y python3-kafka).',
      );
    }
  })());

export const naivePython: Contender = async (topic, brokers, events, reference) => {
  await requireKafkaPython();
  const group = freshGroupId('naive-python');
  const args = [
    script(),
    '--brokers',
    brokers,
    '--topic',
    topic,
    '--group',
    group,
    '--events',
    String(events),
  ];
  const result = await runCommand(PYTHON, args, 60_000 + (events / SLOWEST_EVENTS_PER_SEC) * 1000);
  const line = result.stdout.trim().split('\n').at(-1);
  if (result.code !== 0 || !line) {
    throw new Error(
      `naive_loop.py ${result.code === null ? 'was killed' : `exited with ${result.code}`}:\n` +
        tail(`${result.stdout}\n${result.stderr}`),
    );
  }
  const output = JSON.parse(line) as LoopOutput;
  return {
    eventsPerSec: output.events / output.consumeSeconds,
    rssMb: output.peakRssKb / 1024,
    resultsMatch:
      output.events === events && resultsMatch(reference, windowCountsOf(output.counts), 'naivePython'),
    details: {
      joinMs: output.joinSeconds * 1000,
      firstRecordMs: output.firstRecordSeconds * 1000,
      processMs: result.wallMs,
    },
  };
};
