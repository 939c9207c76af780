import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignTasks, type TaskRef, taskKey } from '../../../src/runtime/assignment/assign-tasks.js';

const tasksOf = (pipeline: string, partitions: number): TaskRef[] =>
  Array.from({ length: partitions }, (_, p) => ({ pipeline, task: String(p) }));

const counts = (assignment: Map<string, string>, members: readonly string[]) =>
  members.map((m) => [...assignment.values()].filter((v) => v === m).length);

describe('assigning tasks to members', () => {
  it('spreads the partitions of one pipeline over the members first', () => {
    const tasks = [...tasksOf('a', 2), ...tasksOf('b', 2), { pipeline: 'c', task: 'all' }];
    const assignment = assignTasks(tasks, ['w1', 'w2']);
    expect(assignment.get('a#0')).not.toBe(assignment.get('a#1'));
    expect(assignment.get('b#0')).not.toBe(assignment.get('b#1'));
    expect(counts(assignment, ['w1', 'w2']).sort()).toEqual([2, 3]);
  });

  it('moves only what balance needs when a member joins or leaves', () => {
    const tasks = tasksOf('p', 6);
    const one = assignTasks(tasks, ['w1']);
    const two = assignTasks(tasks, ['w1', 'w2'], one);
    expect(counts(two, ['w1', 'w2'])).toEqual([3, 3]);
    const three = assignTasks(tasks, ['w1', 'w2', 'w3'], two);
    const moved = tasks.filter((t) => three.get(taskKey(t)) !== two.get(taskKey(t)));
    expect(moved.length).toBe(2);
    const back = assignTasks(tasks, ['w1', 'w3'], three);
    expect(tasks.filter((t) => back.get(taskKey(t)) !== three.get(taskKey(t))).length).toBe(2);
  });

  it('is balanced, complete, sticky within balance and deterministic, whatever came before', () => {
    const members = fc.uniqueArray(fc.constantFrom('w1', 'w2', 'w3', 'w4', 'w5'), { minLength: 1 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 1, max: 8 })), { maxLength: 3 }),
        members,
        members,
        (pipelines, before, after) => {
          const tasks = [...new Map(pipelines)].flatMap(([name, n]) => tasksOf(name, n));
          const previous = assignTasks(tasks, before);
          const next = assignTasks(tasks, after, previous);
          expect(next.size).toBe(tasks.length);
          for (const member of next.values()) expect(after).toContain(member);
          const loads = counts(next, after);
          expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
          // A member that stays keeps its tasks, up to its share.
          const share = Math.floor(tasks.length / after.length);
          for (const member of after) {
            const had = tasks.filter((t) => previous.get(taskKey(t)) === member);
            const kept = had.filter((t) => next.get(taskKey(t)) === member);
            expect(kept.length).toBeGreaterThanOrEqual(Math.min(had.length, share));
          }
          expect(assignTasks(tasks, after, previous)).toEqual(next);
        },
      ),
    );
  });
});
