/**
 * One run of the scale-out benchmark: `count` `tributary worker` processes started at once
 * on a filled topic, as a consumer group of their own, until the group has committed every
 * partition's end offset (committed.ts); then their results are read back from the store
 * and compared with the reference, and everything the run made is removed.
 *
 * The clock runs from the first partition assignment in any worker's log — the first moment
 * any record can be read — to the commit of the last offset. Process starts are left out
 * (`startMs` beside it: spawn → every /readyz); what it costs to bring k processes into one
 * group is in: a worker that is ready first gets every partition and gives some up as the
 * others join (`rebalanceMs`: first assignment → the last partition move; `movedPartitions`).
 * Timing from every /readyz instead would leave the first worker's head start unbilled.
 * `settledEventsPerSec` is the rate after the last partition move, where the run is long
 * enough to tell it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin } from '@platformatic/kafka';
import { info } from '../harness.js';
import type { ContenderRun } from '../kafka/contender.js';
import type { FilledTopic } from '../kafka/fill-topic.js';
import { freshGroupId } from '../kafka/groups.js';
import { resultsMatch, WINDOW_MS, type WindowCounts } from '../kafka/reference.js';
import { type CommitSeen, FleetStalledError, whenAllCommitted } from './committed.js';
import { fleetConfig } from './config.js';
import { DATABASE_URL, deleteRedisKeys, dropSchema, REDIS_URL, storedWindowCounts } from './services.js';
import { type PartitionMove, WorkerFleet } from './workers.js';

const READY_WITHIN_MS = 90_000;
/** The slowest rate a run may have before it is stopped as hung. */
const SLOWEST_EVENTS_PER_SEC = 2_000;
const SERIES = 'clicks-per-user';

export interface FleetRunInput {
  readonly brokers: string;
  readonly admin: Admin;
  readonly filled: FilledTopic;
  /** The reference's windows that the topic closes: what the store must hold, exactly. */
  readonly expected: WindowCounts;
  readonly workers: number;
  readonly checkpointMs: number;
}

export const runFleet = async (input: FleetRunInput): Promise<ContenderRun> => {
  const { filled, workers: count } = input;
  const id = randomBytes(3).toString('hex');
  const round = {
    brokers: input.brokers,
    topic: filled.topic,
    pipeline: `scale-out-${count}w-${id}`,
    group: freshGroupId(`scale-out-${count}w`),
    schema: `bench_scale_out_${id}`,
    redisPrefix: `tributary-bench-scale-out-${id}`,
    series: SERIES,
    checkpointMs: input.checkpointMs,
  };
  const dir = await mkdtemp(join(tmpdir(), 'tributary-bench-fleet-'));
  let fleet: WorkerFleet | undefined;
  try {
    const file = join(dir, 'tributary.yaml');
    await writeFile(file, fleetConfig(round));
    const logs = process.env.TRIBUTARY_BENCH_FLEET_LOGS;
    fleet = new WorkerFleet(
      count,
      file,
      dir,
      { DATABASE_URL, REDIS_URL, KAFKA_BROKERS: input.brokers },
      logs ? { dir: logs, label: round.pipeline } : undefined,
    );
    const running = fleet;
    const readyAt = await running.ready(READY_WITHIN_MS);
    const { doneAt, commits } = await whenAllCommitted({
      admin: input.admin,
      group: round.group,
      topic: filled.topic,
      endOffsets: filled.partitionSizes,
      deadline: Date.now() + 60_000 + (filled.events / SLOWEST_EVENTS_PER_SEC) * 1000,
      check: () => running.checkAlive(),
    }).catch((error: unknown) => {
      if (!(error instanceof FleetStalledError)) throw error;
      // What the workers said is the story: which task stopped, and why.
      const said = running.errors();
      throw new FleetStalledError(
        `${error.message}; the workers logged ${said.length} errors${said.length > 0 ? `: ${said.slice(0, 6).join(', ')}` : ''}`,
      );
    });
    const rssMb = running.peakRssMb();
    const moves = running.moves().filter((m) => m.at <= doneAt);
    const firstAssignedAt = moves.find((m) => m.kind === 'assigned')?.at;
    if (firstAssignedAt === undefined)
      throw new Error(`no worker logged an assignment of partitions:\n${running.tails()}`);
    const settledAt = moves.at(-1)!.at;
    const settled = settledRate(commits, settledAt, doneAt, filled.events, input.checkpointMs);
    const holders = finalHolders(moves);
    info(`    partitions at the end: ${describeHolders(holders)}`);

    const starts = [...input.expected.keys()].map(windowStartOf);
    const stored = await storedWindowCounts(round.schema, round.series, {
      from: starts.reduce((a, b) => Math.min(a, b)),
      // One window past the last closed one: a window stored while still open would show.
      to: starts.reduce((a, b) => Math.max(a, b)) + 2 * WINDOW_MS,
      limit: 2 * input.expected.size + 1,
    });
    return {
      eventsPerSec: filled.events / ((doneAt - firstAssignedAt) / 1000),
      ...(rssMb !== undefined && { rssMb }),
      resultsMatch: resultsMatch(input.expected, stored, `${count} worker${count > 1 ? 's' : ''}`),
      details: {
        startMs: readyAt - running.spawnedAt,
        ...(settled !== undefined && { settledEventsPerSec: settled }),
        rebalanceMs: settledAt - firstAssignedAt,
        movedPartitions: moves
          .filter((m) => m.kind === 'revoked')
          .reduce((n, m) => n + m.partitions.length, 0),
        workersUsed: new Set(holders.values()).size,
        // Error lines in the workers' logs: TRB_CHECKPOINT_FENCED when two of them ran a partition at once.
        errorsLogged: running.errors().length,
      },
    };
  } finally {
    await fleet?.stop();
    await dropSchema(round.schema);
    await deleteRedisKeys(round.redisPrefix);
    await rm(dir, { recursive: true, force: true });
  }
};

/**
 * Events/s once the group settled (no partition moved after `settledAt`): from the first
 * commit seen after it to the last. Commits come a checkpoint apart per worker, so either
 * end may be off by up to an interval's records: given only over 5 intervals or more.
 */
const settledRate = (
  commits: readonly CommitSeen[],
  settledAt: number,
  doneAt: number,
  events: number,
  checkpointMs: number,
): number | undefined => {
  const from = commits.find((c) => c.at > settledAt);
  if (!from || doneAt - from.at < 5 * checkpointMs) return undefined;
  return (events - from.records) / ((doneAt - from.at) / 1000);
};

/** `user|windowStart` → windowStart (reference.ts's keys). */
const windowStartOf = (key: string): number => Number(key.slice(key.lastIndexOf('|') + 1));

/**
 * The reference without the windows of the closing clicks (fill-topic.ts): the topic ends
 * inside them, so no pipeline closes them, and the store must not hold them.
 */
export const windowsTheTopicCloses = (reference: WindowCounts): WindowCounts => {
  let open = Number.NEGATIVE_INFINITY;
  for (const key of reference.keys()) open = Math.max(open, windowStartOf(key));
  const closed: WindowCounts = new Map();
  for (const [key, count] of reference) if (windowStartOf(key) < open) closed.set(key, count);
  return closed;
};

/** Partition → the worker that held it after the last move. */
const finalHolders = (moves: readonly PartitionMove[]): Map<number, string> => {
  const holders = new Map<number, string>();
  for (const move of moves)
    for (const partition of move.partitions) {
      if (move.kind === 'assigned') holders.set(partition, move.worker);
      else if (holders.get(partition) === move.worker) holders.delete(partition);
    }
  return holders;
};

const describeHolders = (holders: Map<number, string>): string => {
  const byWorker = new Map<string, number[]>();
  for (const [partition, worker] of [...holders].sort((a, b) => a[0] - b[0]))
    byWorker.set(worker, [...(byWorker.get(worker) ?? []), partition]);
  return [...byWorker]
    .sort()
    .map(([worker, partitions]) => `${worker} [${partitions.join(',')}]`)
    .join(', ');
};
