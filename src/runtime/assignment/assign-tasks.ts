/**
 * Which member runs which task: the worker threads of one process in embedded mode, the
 * members of a consumer group on Kafka. Balanced — member task counts differ by at most
 * one — and sticky, as Kafka's sticky assignor: a task stays where it runs unless balance
 * needs it elsewhere, because moving a task costs a checkpoint on one side and a restore on
 * the other. Tasks are spread so that the tasks of one pipeline land on different members
 * first (its partitions then run in parallel).
 */

export interface TaskRef {
  readonly pipeline: string;
  /** The task's id within its pipeline: `all`, or a partition number. */
  readonly task: string;
}

export const taskKey = ({ pipeline, task }: TaskRef): string => `${pipeline}#${task}`;

/**
 * Assigns every task to a member. `current` (task key → member) is kept where balance
 * allows; tasks of members that left are assigned again. Deterministic for equal inputs.
 */
export const assignTasks = (
  tasks: readonly TaskRef[],
  members: readonly string[],
  current: ReadonlyMap<string, string> = new Map(),
): Map<string, string> => {
  const assignment = new Map<string, string>();
  if (members.length === 0) return assignment;
  const sorted = [...members].sort();
  const load = new Map(sorted.map((member) => [member, 0]));
  const holding = (member: string) => tasks.filter((task) => current.get(taskKey(task)) === member).length;
  // Some members take one task more than the others: those that hold more already, so
  // that fewer tasks move.
  const quotas = new Map<string, number>();
  const base = Math.floor(tasks.length / sorted.length);
  const extra = tasks.length % sorted.length;
  const byHolding = [...sorted].sort((a, b) => holding(b) - holding(a));
  for (let i = 0; i < byHolding.length; i++) quotas.set(byHolding[i], base + (i < extra ? 1 : 0));
  const pipelinesOf = new Map(sorted.map((member) => [member, new Map<string, number>()]));
  const give = (task: TaskRef, member: string) => {
    assignment.set(taskKey(task), member);
    load.set(member, load.get(member)! + 1);
    const pipelines = pipelinesOf.get(member)!;
    pipelines.set(task.pipeline, (pipelines.get(task.pipeline) ?? 0) + 1);
  };
  const unassigned: TaskRef[] = [];
  for (const task of tasks) {
    const member = current.get(taskKey(task));
    if (member !== undefined && load.has(member) && load.get(member)! < quotas.get(member)!)
      give(task, member);
    else unassigned.push(task);
  }
  // The rest go to the least loaded member, preferring one with fewer tasks of the same
  // pipeline; ties by name.
  for (const task of unassigned) {
    let best = sorted[0];
    let bestScore = Number.POSITIVE_INFINITY;
    for (const member of sorted) {
      if (load.get(member)! >= quotas.get(member)!) continue;
      const score = load.get(member)! * tasks.length + (pipelinesOf.get(member)!.get(task.pipeline) ?? 0);
      if (score < bestScore) {
        bestScore = score;
        best = member;
      }
    }
    give(task, best);
  }
  return assignment;
};
