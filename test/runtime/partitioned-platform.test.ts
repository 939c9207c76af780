/**
 * A pipeline over a 4-partition topic, one task per partition, on 2 worker threads, while
 * random operations happen: events appended, partitions moved from one worker to the
 * other (checkpointed there, restored here), a worker killed (its partitions restart from
 * their checkpoints), the whole platform restarted. Whatever happened, the store ends
 * holding exactly the results computed from the whole input.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_TOPIC } from '../../src/connectors/dead-letter.js';
import { openEmbeddedLog } from '../../src/connectors/log/index.js';
import { partitionForKey } from '../../src/connectors/log/partitioner.js';
import type { Plan } from '../../src/engine/plan/plan.js';
import { Platform } from '../../src/runtime/platform.js';

const PLANS = fileURLToPath(new URL('./fixtures/partitioned-plans.mjs', import.meta.url));
const PARTITIONS = 4;
const USERS = Array.from({ length: 10 }, (_, i) => `user-${i}`);

interface Click {
  readonly user: string;
  readonly ts: number;
  readonly amount: number;
}

type Operation =
  | { readonly kind: 'append'; readonly users: number[] }
  | { readonly kind: 'move'; readonly partition: number }
  | { readonly kind: 'kill'; readonly worker: number }
  | { readonly kind: 'restart' };

const randomOperations = fc.array(
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('append' as const),
        users: fc.array(fc.nat({ max: USERS.length - 1 }), { minLength: 1, maxLength: 40 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('move' as const),
        partition: fc.nat({ max: PARTITIONS - 1 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('kill' as const), worker: fc.integer({ min: 1, max: 2 }) }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const) }) },
  ),
  { minLength: 3, maxLength: 8 },
);

/** Random operations, with one of each kind somewhere among them, so that every run moves, kills and restarts. */
const operations = fc
  .tuple(
    randomOperations,
    fc.shuffledSubarray<Operation>(
      [{ kind: 'move', partition: 1 }, { kind: 'kill', worker: 1 }, { kind: 'restart' }],
      { minLength: 3 },
    ),
    fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
  )
  .map(([ops, mandatory, places]) => {
    const all: Operation[] = [...ops];
    for (const [i, op] of mandatory.entries()) all.splice(places[i] % (all.length + 1), 0, op);
    return all;
  });

/** A key that Kafka's partitioner puts in each partition: the records that close every window. */
const FLUSH_KEYS = Array.from({ length: PARTITIONS }, (_, p) => {
  for (let i = 0; ; i++) if (partitionForKey(`flush-${i}`, PARTITIONS) === p) return `flush-${i}`;
});

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const until = async (check: () => Promise<boolean> | boolean, what: string): Promise<void> => {
  for (let i = 0; i < 600; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe('a partitioned pipeline on two workers', () => {
  it('stores exactly the results of the whole input, whatever moves, crashes and restarts happen', {
    timeout: 600_000,
  }, async () => {
    const { perUser } = (await import(PLANS)) as { perUser: Plan };
    await fc.assert(
      fc.asyncProperty(operations, async (ops) => {
        const dir = await mkdtemp(join(tmpdir(), 'tributary-partitioned-'));
        dirs.push(dir);
        const start = async () => {
          const platform = new Platform({
            dataDir: dir,
            log: { partitions: PARTITIONS },
            store: { type: 'embedded' },
            sources: { clicks: { type: 'http' } },
            pipelines: [perUser],
            recipes: () => ({ kind: 'module', module: PLANS, export: 'perUser' }),
            workers: 2,
            pipelineTasks: {
              checkpointIntervalMs: 50,
              flushIntervalMs: 20,
              tickIntervalMs: 20,
              reportIntervalMs: 20,
            },
            onError: () => {},
          });
          await platform.start();
          return platform;
        };
        let platform = await start();
        const input: Click[] = [];
        let time = 0;
        try {
          expect([...platform.assignment().keys()].sort()).toEqual(
            Array.from({ length: PARTITIONS }, (_, p) => `per-user#${p}`),
          );
          for (const op of ops) {
            if (op.kind === 'append') {
              // Event time only grows, so no record is ever late, whatever the batches.
              const clicks = op.users.map((u) => ({
                user: USERS[u],
                ts: (time += 700),
                amount: (u % 3) + 1,
              }));
              input.push(...clicks);
              await platform.ingest(
                'clicks',
                clicks.map((value) => ({ value, key: value.user })),
              );
            } else if (op.kind === 'move') {
              const from = platform.assignment().get(`per-user#${op.partition}`);
              await platform.moveTask(
                'per-user',
                String(op.partition),
                from === 'worker-1' ? 'worker-2' : 'worker-1',
              );
            } else if (op.kind === 'kill') {
              await platform.killWorker(`worker-${op.worker}`);
            } else {
              await platform.stop();
              platform = await start();
            }
          }
          // One record per partition far in the future closes every window.
          await platform.ingest(
            'clicks',
            FLUSH_KEYS.map((user) => ({ value: { user, ts: time + 60_000, amount: 0 }, key: user })),
          );
          const reference = new Map<string, { clicks: number; spend: number }>();
          for (const c of input) {
            const id = `${c.user}@${c.ts - (c.ts % 10_000)}`;
            const r = reference.get(id) ?? { clicks: 0, spend: 0 };
            r.clicks++;
            r.spend += c.amount;
            reference.set(id, r);
          }
          const stored = async () => {
            const points = await platform.querySeries('per-user', { from: 0, to: time + 120_000 });
            return new Map(
              points.filter((p) => !p.key.startsWith('flush-')).map((p) => [`${p.key}@${p.start}`, p.values]),
            );
          };
          await until(async () => (await stored()).size >= reference.size, 'every window to be stored');
          await until(() => platform.pipeline('per-user')!.lag === 0, 'every partition to be read');
          expect(await stored()).toEqual(reference);
        } finally {
          await platform.stop();
        }
        // Every key arrived in its own partition: nothing was dead-lettered.
        const log = await openEmbeddedLog({ dir: join(dir, 'log') });
        try {
          for (let partition = 0; partition < log.partitions(DEAD_LETTER_TOPIC); partition++) {
            expect((await log.read(DEAD_LETTER_TOPIC, partition, 0)).records).toEqual([]);
          }
        } finally {
          await log.close();
        }
      }),
      { numRuns: 5 },
    );
  });
});
