/** A pipeline's status as its tasks' reports make it: restoring, standby, and the recovery they sum to. */
import { describe, expect, it } from 'vitest';
import { count, pipeline, tumbling } from '../../../src/engine/index.js';
import { PipelineProgress } from '../../../src/runtime/status/pipeline-progress.js';
import { failedToStart, type TaskReport } from '../../../src/runtime/task/task-report.js';

const plan = (() => {
  const p = pipeline('clicks');
  p.source<{ user: string }>('clicks')
    .keyBy((c) => c.user)
    .window(tumbling('10s'))
    .aggregate({ clicks: count() })
    .sink('per-user');
  return p.build();
})();

const report = (task: string, overrides: Partial<TaskReport>): TaskReport => ({
  ...failedToStart({ pipeline: 'clicks', task }, ''),
  status: 'running',
  error: undefined,
  ...overrides,
});

describe('a pipeline’s progress', () => {
  it('is restoring while any task restores, with the key groups of those tasks summed', () => {
    const progress = new PipelineProgress(plan, ['per-user'], () => 0);
    progress.update(report('0', { status: 'restoring', recovery: { keyGroups: 22, restored: 16 } }), 'main');
    progress.update(report('1', { status: 'restoring', recovery: { keyGroups: 22, restored: 6 } }), 'main');
    progress.update(report('2', {}), 'main');
    const status = progress.describe();
    expect(status.status).toBe('restoring');
    expect(status.recovery).toEqual({ keyGroups: 44, restored: 22 });
    expect(status.tasks.map((t) => t.recovery)).toEqual([
      { keyGroups: 22, restored: 16 },
      { keyGroups: 22, restored: 6 },
      null,
    ]);

    progress.update(report('0', {}), 'main');
    progress.update(report('1', {}), 'main');
    expect(progress.describe()).toMatchObject({ status: 'running', recovery: null });
  });

  it('is standby where no task of it runs because its group runs them elsewhere, starting otherwise', () => {
    const progress = new PipelineProgress(plan, ['per-user'], () => 0);
    expect(progress.describe().status).toBe('starting');
    expect(progress.describe(true).status).toBe('standby');
    progress.update(report('0', {}), 'main');
    expect(progress.describe(true).status).toBe('running');
  });
});
