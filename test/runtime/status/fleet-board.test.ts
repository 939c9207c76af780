/** The deployment as an API node sees it: other processes' task reports and intake counters, on a manual clock. */
import { describe, expect, it } from 'vitest';
import { count, pipeline, tumbling } from '../../../src/engine/index.js';
import type { FleetMessage } from '../../../src/live/fleet-message.js';
import { LatencyTracker } from '../../../src/runtime/latency-tracker.js';
import { PlatformMetrics } from '../../../src/runtime/metrics.js';
import { FLEET_SILENCE_MS, FleetBoard } from '../../../src/runtime/status/fleet-board.js';
import { ProgressBoard } from '../../../src/runtime/status/progress-board.js';
import { failedToStart, type TaskReport } from '../../../src/runtime/task/task-report.js';
import { ManualClock } from '../../../src/testing/index.js';

const plan = (() => {
  const p = pipeline('clicks');
  p.source<{ user: string }>('clicks')
    .keyBy((c) => c.user)
    .window(tumbling('10s'))
    .aggregate({ clicks: count() })
    .sink('per-user');
  return p.build();
})();

const report = (task: string, overrides: Partial<TaskReport> = {}): TaskReport => ({
  ...failedToStart({ pipeline: 'clicks', task }, ''),
  status: 'running',
  error: undefined,
  ...overrides,
});

const task = (node: string, member: string, of: TaskReport): FleetMessage => ({
  kind: 'task',
  node,
  member,
  report: of,
});

const intake = (node: string, appended: number, activeSources: string[] = []): FleetMessage => ({
  kind: 'intake',
  node,
  appended,
  activeSources,
});

/** An API node's boards, as `ApiNode` wires them, on a clock the test moves. */
const setup = () => {
  const clock = new ManualClock(0);
  const now = () => clock.now();
  const progress = new ProgressBoard(new PlatformMetrics(() => {}), new LatencyTracker(10_000, now), now);
  progress.add(plan, ['per-user']);
  const fleet = new FleetBoard(progress, now);
  const status = () => progress.get('clicks')!.describe();
  return { clock, fleet, status };
};

describe('the fleet board', () => {
  it('shows each task under the process and member that last reported it, counters summed', () => {
    const { fleet, status } = setup();
    fleet.receive(task('api-a/7', 'main', report('0', { recordsIn: 40 })));
    fleet.receive(task('worker-b/9', 'worker-2', report('1', { recordsIn: 2 })));

    expect(status().tasks.map((t) => [t.task, t.member])).toEqual([
      ['0', 'api-a/7 main'],
      ['1', 'worker-b/9 worker-2'],
    ]);
    expect(status().recordsIn).toBe(42);

    // Task 0 moved to the other process (its partition was reassigned): it shows up there.
    fleet.receive(task('worker-b/9', 'worker-1', report('0', { recordsIn: 5 })));
    expect(status().tasks.map((t) => [t.task, t.member])).toEqual([
      ['0', 'worker-b/9 worker-1'],
      ['1', 'worker-b/9 worker-2'],
    ]);
  });

  it('ignores reports of a pipeline this node does not run', () => {
    const { fleet, status } = setup();
    fleet.receive(task('worker-b/9', 'main', { ...report('0'), pipeline: 'elsewhere' }));
    expect(status().tasks).toEqual([]);
    // Nor does pruning it later trip over the unknown pipeline.
    fleet.prune();
  });

  it('turns the growth of every process’s intake counter into one rate, not what came before it was heard', () => {
    const { clock, fleet } = setup();
    // Both had appended a lot before this node started listening: that is no rate.
    fleet.receive(intake('api-a/7', 90_000));
    fleet.receive(intake('api-b/8', 5_000));
    for (let second = 1; second <= 6; second++) {
      clock.set(second * 1_000);
      fleet.receive(intake('api-a/7', 90_000 + 100 * second));
      fleet.receive(intake('api-b/8', 5_000 + 50 * second));
      // The first complete second is the one they were first heard in: nothing grew in it.
      if (second === 1) expect(fleet.eventsInPerSec()).toBe(0);
    }
    expect(fleet.eventsInPerSec()).toBe(150);
  });

  it('counts a process whose counter went back (it started again) from zero, not as negative growth', () => {
    const { clock, fleet } = setup();
    const appended = [5_000, 5_100, 5_200, 100, 200, 300, 400];
    for (const [second, n] of appended.entries()) {
      clock.set(second * 1_000);
      fleet.receive(intake('api-a/7', n));
    }
    // Seconds 1..5 each grew by 100, the restart included (it counts what the process appended since).
    expect(fleet.eventsInPerSec()).toBe(100);
  });

  it('counts the active sources of all processes once each', () => {
    const { fleet } = setup();
    expect(fleet.activeSources()).toBe(0);
    fleet.receive(intake('api-a/7', 0, ['clicks', 'orders']));
    fleet.receive(intake('api-b/8', 0, ['orders', 'sensors']));
    expect(fleet.activeSources()).toBe(3);
    // A process reports its current set, not an addition to the last one.
    fleet.receive(intake('api-b/8', 0, []));
    expect(fleet.activeSources()).toBe(2);
  });

  it(`forgets tasks and processes silent for longer than ${FLEET_SILENCE_MS} ms, and only those`, () => {
    const { clock, fleet, status } = setup();
    fleet.receive(task('worker-a/1', 'main', report('0')));
    fleet.receive(intake('api-a/7', 0, ['clicks']));
    fleet.receive(task('worker-b/2', 'main', report('1')));
    fleet.receive(intake('api-b/8', 0, ['orders']));

    clock.set(FLEET_SILENCE_MS / 2);
    fleet.receive(task('worker-b/2', 'main', report('1')));
    fleet.receive(intake('api-b/8', 10, ['orders']));

    // Silent exactly the limit: still counted.
    clock.set(FLEET_SILENCE_MS);
    fleet.prune();
    expect(status().tasks.map((t) => t.task)).toEqual(['0', '1']);
    expect(fleet.activeSources()).toBe(2);

    clock.set(FLEET_SILENCE_MS + 1);
    fleet.prune();
    expect(status().tasks.map((t) => t.task)).toEqual(['1']);
    expect(fleet.activeSources()).toBe(1);

    // The other process's turn, once it too has been silent long enough.
    clock.set(FLEET_SILENCE_MS / 2 + FLEET_SILENCE_MS + 1);
    fleet.prune();
    expect(status().tasks).toEqual([]);
    expect(status().status).toBe('starting');
    expect(fleet.activeSources()).toBe(0);
  });

  it('keeps a task that another process reports while the first one is silent', () => {
    const { clock, fleet, status } = setup();
    fleet.receive(task('worker-a/1', 'main', report('0')));
    clock.set(FLEET_SILENCE_MS);
    fleet.receive(task('worker-b/2', 'worker-1', report('0')));
    clock.set(FLEET_SILENCE_MS + 1);
    fleet.prune();
    expect(status().tasks.map((t) => [t.task, t.member])).toEqual([['0', 'worker-b/2 worker-1']]);
  });
});
