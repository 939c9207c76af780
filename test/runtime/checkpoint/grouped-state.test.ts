/**
 * Incremental checkpoints: a job checkpointed by key group — delta rows for what changed,
 * every group written full once the deltas outweigh the full rows — and restored from those
 * rows at any batch boundary goes on exactly as one that never stopped. Failed checkpoints
 * (their changes given back) and restores of only some groups are part of the runs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { count } from '../../../src/engine/aggregators/index.js';
import { compile, type Job, type JobMeta } from '../../../src/engine/job/job.js';
import { pipeline } from '../../../src/engine/plan/builder.js';
import { keyGroupOf } from '../../../src/engine/state/key-groups.js';
import { boundedOutOfOrderness } from '../../../src/engine/time/watermarks.js';
import { session } from '../../../src/engine/windows/assigners.js';
import { GroupedState } from '../../../src/runtime/checkpoint/grouped-state.js';
import type { StateGroupRow } from '../../../src/store/checkpoint-store.js';
import { ManualClock, MemorySink } from '../../../src/testing/index.js';
import { KEYED_SINKS, keyedPlan, type Reading, readingFields } from '../../engine/state/keyed-plan.js';

const KEY_GROUPS = 8;
const KEYS = Array.from({ length: 12 }, (_, i) => `k${i}`);

type Step =
  | {
      readonly kind: 'push';
      readonly split: string;
      readonly records: { value: Reading; timestamp: number }[];
    }
  | { readonly kind: 'checkpoint'; readonly fails: boolean }
  | { readonly kind: 'restart' };

const runs = fc
  .record({
    bound: fc.integer({ min: 0, max: 8 }),
    events: fc.array(
      fc.record({
        ...readingFields(KEYS),
        split: fc.constantFrom('p0', 'p1'),
        after: fc.constantFrom('none', 'none', 'checkpoint', 'checkpoint', 'failed', 'restart'),
      }),
      { minLength: 1, maxLength: 60 },
    ),
  })
  .map(({ bound, events }) => {
    const steps: Step[] = [];
    let time = 0;
    let batch: Step & { kind: 'push' } = { kind: 'push', split: 'p0', records: [] };
    events.forEach((e, i) => {
      time += e.advance;
      if (e.cut || i === 0) {
        batch = { kind: 'push', split: e.split, records: [] };
        steps.push(batch);
      }
      batch.records.push({ value: { key: e.key, v: e.v }, timestamp: time + e.jitter });
      if (e.after === 'checkpoint' || e.after === 'failed')
        steps.push({ kind: 'checkpoint', fails: e.after === 'failed' });
      if (e.after === 'restart') steps.push({ kind: 'restart' });
    });
    for (const split of ['p0', 'p1']) {
      steps.push({ kind: 'push', split, records: [{ value: { key: 'k0', v: 0 }, timestamp: time + 1_000 }] });
    }
    return { bound, steps };
  });

/** The state_groups table as the store keeps it: a full row deletes the rows before it. */
class GroupTable {
  private readonly rows = new Map<number, StateGroupRow[]>();

  write(rows: readonly StateGroupRow[]): void {
    for (const row of rows) {
      if (row.full) this.rows.set(row.group, [row]);
      else this.rows.get(row.group)!.push(row);
    }
  }

  read(groups: (group: number) => boolean): StateGroupRow[] {
    return [...this.rows]
      .filter(([group]) => groups(group))
      .sort((a, b) => a[0] - b[0])
      .flatMap(([, rows]) => rows);
  }
}

const ALL = Array.from({ length: KEY_GROUPS }, (_, g) => g);

describe('grouped state', () => {
  it('a job restored from its key-group rows goes on as one that never stopped', () => {
    // Guards the runs: they must compact (write every group full again) now and then.
    let compactions = 0;
    fc.assert(
      fc.property(runs, ({ bound, steps }) => {
        const reference = new MemorySink();
        const straight = compile(keyedPlan(bound), { clock: new ManualClock(0) });
        for (const step of steps) {
          if (step.kind === 'push')
            straight.push(
              'readings',
              {
                values: step.records.map((r) => r.value),
                timestamps: step.records.map((r) => r.timestamp),
                split: step.split,
              },
              reference,
            );
        }

        // Checkpoint as the steps say; at every restart, replay from the last checkpoint.
        const clock = new ManualClock(0);
        const output = new MemorySink();
        const table = new GroupTable();
        let meta: JobMeta | undefined;
        let checkpointedAt = 0;
        let job = compile(keyedPlan(bound), { clock });
        let state = new GroupedState(job, KEY_GROUPS, ALL);
        let pending = new MemorySink();
        for (let i = 0; i < steps.length; i++) {
          const step = steps[i];
          if (step.kind === 'push') {
            job.push(
              'readings',
              {
                values: step.records.map((r) => r.value),
                timestamps: step.records.map((r) => r.timestamp),
                split: step.split,
              },
              pending,
            );
          } else if (step.kind === 'checkpoint') {
            const taken = state.take();
            if (step.fails) {
              state.giveBack(taken);
              continue;
            }
            table.write(JSON.parse(JSON.stringify(taken.rows)));
            meta = JSON.parse(JSON.stringify(job.saveMeta()));
            state.committed(taken);
            if (taken.full) compactions++;
            // Output up to a checkpoint is kept; after it, a restart takes it back and replays.
            merge(output, pending);
            pending = new MemorySink();
            checkpointedAt = i;
          } else {
            job = compile(keyedPlan(bound), { clock });
            state = new GroupedState(job, KEY_GROUPS, ALL);
            if (meta) {
              job.loadMeta(meta);
              state.restore(table.read(() => true));
            }
            pending = new MemorySink();
            // Replay the pushes since the checkpoint, then go on.
            for (const replay of steps.slice(checkpointedAt + (meta ? 1 : 0), i)) {
              if (replay.kind === 'push')
                job.push(
                  'readings',
                  {
                    values: replay.records.map((r) => r.value),
                    timestamps: replay.records.map((r) => r.timestamp),
                    split: replay.split,
                  },
                  pending,
                );
            }
          }
        }
        merge(output, pending);
        for (const sink of KEYED_SINKS) {
          expect(output.records(sink), sink).toEqual(reference.records(sink));
        }
        expect(output.lateEvents).toEqual(reference.lateEvents);
      }),
      { numRuns: 200 },
    );
    expect(compactions).toBeGreaterThan(10);
  });

  it('writes only the groups that changed, and every group full once deltas outweigh them', () => {
    const job = compile(keyedPlan(0), { clock: new ManualClock(0) });
    const state = new GroupedState(job, KEY_GROUPS, ALL);
    const out = new MemorySink();
    const push = (records: { value: Reading; timestamp: number }[]) =>
      job.push(
        'readings',
        { values: records.map((r) => r.value), timestamps: records.map((r) => r.timestamp) },
        out,
      );
    push(KEYS.map((key, i) => ({ value: { key, v: i }, timestamp: 1 })));
    const first = state.take();
    expect(first.rows.every((row) => row.full)).toBe(true);
    state.committed(first);

    push([{ value: { key: 'k3', v: 1 }, timestamp: 2 }]);
    const second = state.take();
    expect(second.full).toBe(false);
    expect(second.rows.map((row) => row.group)).toEqual([keyGroupOf('k3', KEY_GROUPS)]);
    expect(second.rows[0].full).toBe(false);
    state.committed(second);

    let taken = state.take();
    let checkpoints = 0;
    while (!taken.full && checkpoints < 200) {
      state.committed(taken);
      push([{ value: { key: KEYS[checkpoints % KEYS.length], v: 1 }, timestamp: 2 }]);
      taken = state.take();
      checkpoints++;
    }
    expect(taken.full).toBe(true);
    expect(new Set(taken.rows.map((row) => row.group))).toEqual(new Set(first.rows.map((row) => row.group)));
  });

  it('restores only the groups a task owns', () => {
    const job = compile(keyedPlan(0), { clock: new ManualClock(0) });
    const state = new GroupedState(job, KEY_GROUPS, ALL);
    job.push(
      'readings',
      { values: KEYS.map((key) => ({ key, v: 1 })), timestamps: KEYS.map(() => 1) },
      new MemorySink(),
    );
    const table = new GroupTable();
    table.write(state.take().rows);
    const meta = job.saveMeta();

    const even = (group: number) => group % 2 === 0;
    const half = compile(keyedPlan(0), { clock: new ManualClock(0) });
    half.loadMeta(meta);
    new GroupedState(half, KEY_GROUPS, ALL.filter(even)).restore(table.read(even));
    const keys = new Set([...half.entries().values()].flatMap((entries) => entries.map(([key]) => key)));
    expect([...keys].sort()).toEqual(KEYS.filter((key) => even(keyGroupOf(key, KEY_GROUPS))).sort());
  });
});

describe('session windows in grouped state', () => {
  /** Sessions (gap 4 ms) with lateness 20 ms, watermark right behind the latest record. */
  const sessions = pipeline('visits')
    .source<Reading>('readings', { watermark: boundedOutOfOrderness(0) })
    .keyBy((r) => r.key)
    .window(session(4), { lateness: 20, name: 'visits' })
    .aggregate({ n: count() })
    .sink('visits')
    .build();
  const push = (job: Job, output: MemorySink, ...records: [key: string, timestamp: number][]) =>
    job.push(
      'readings',
      {
        values: records.map(([key]) => ({ key, v: 1 })),
        timestamps: records.map(([, timestamp]) => timestamp),
      },
      output,
    );
  /** `+` for a result, `-` for the retraction of one emitted earlier. */
  const rows = (output: MemorySink) =>
    output
      .records<{ key: string; start: number; end: number; n: number }>('visits')
      .map(({ value, retract }) => {
        const { key, start, end, n } = value;
        return `${retract ? '-' : '+'}${key} [${start},${end}) ${n}`;
      });

  // event time  1    4 5  7    8   11
  // k1          [1 .. 5)  [7 ...... 11)
  // k3 … k11                   [8 ..... 12)       pushed with k1: W = 7 fires [1,5)     checkpoint 1: full rows
  // k2                                  x(11)  W = 10 fires [7,11)                     checkpoint 2: delta rows
  // restart from the key-group rows, then k1@4, within lateness:
  //                  [4 ..... 8) bridges them: both rows withdrawn, [1,11) with 3 in their place
  it('a fired session merged by a late record after a restore withdraws its rows as without the restore', () => {
    const others = KEYS.slice(3).map((key): [string, number] => [key, 8]);
    const run = (restart: boolean) => {
      const output = new MemorySink();
      let job = compile(sessions, { clock: new ManualClock(0) });
      let state = new GroupedState(job, KEY_GROUPS, ALL);
      const table = new GroupTable();
      const checkpoint = () => {
        const taken = state.take();
        table.write(taken.rows);
        state.committed(taken);
        return { meta: JSON.parse(JSON.stringify(job.saveMeta())) as JobMeta, full: taken.full };
      };
      push(job, output, ['k1', 1], ['k1', 7], ...others);
      checkpoint();
      push(job, output, ['k2', 11]);
      const { meta, full } = checkpoint();
      expect(full).toBe(false);
      if (restart) {
        job = compile(sessions, { clock: new ManualClock(0) });
        job.loadMeta(meta);
        state = new GroupedState(job, KEY_GROUPS, ALL);
        state.restore(table.read(() => true));
      }
      push(job, output, ['k1', 4]);
      return rows(output);
    };
    expect(run(false)).toEqual([
      '+k1 [1,5) 1',
      '+k1 [7,11) 1',
      '-k1 [1,5) 1',
      '-k1 [7,11) 1',
      '+k1 [1,11) 3',
    ]);
    expect(run(true)).toEqual(run(false));
  });
});

const merge = (into: MemorySink, from: MemorySink): void => {
  for (const [sink, records] of from.outputs) {
    let list = into.outputs.get(sink);
    if (!list) into.outputs.set(sink, (list = []));
    list.push(...records);
  }
  into.lateEvents.push(...from.lateEvents);
  into.deadLetters.push(...from.deadLetters);
};
