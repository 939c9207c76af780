import type { Plan } from '../../engine/plan/plan.js';
import { type Clock, systemClock } from '../../engine/time/clock.js';
import { describeError, TributaryError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import type { TaskHost } from '../host/task-host.js';
import { PipelineTask } from '../task/pipeline-task.js';
import { failedToStart } from '../task/task-report.js';
import type { TaskSpec } from '../task/task-spec.js';
import type { PlanRecipe } from '../workers/plan-recipe.js';
import type { WorkerPool } from '../workers/worker-pool.js';
import { assignTasks, type TaskRef, taskKey } from './assign-tasks.js';

/** The member that is the main thread: tasks whose plan cannot go to a worker run here. */
export const MAIN = 'main';

/**
 * How long a task fenced while still placed here waits before it starts again: time for a
 * consumer group to revoke its partition if another process holds it now.
 */
const FENCED_RESTART_MS = 2_000;

/** A task the platform runs: its spec, its plan, and how a worker builds that plan. */
export interface PlannedTask {
  readonly spec: TaskSpec;
  readonly plan: Plan;
  /** Without one the task runs on the main thread: its plan's functions cannot cross threads. */
  readonly recipe?: PlanRecipe;
}

export interface TaskManagerOptions {
  readonly host: TaskHost;
  readonly pool?: WorkerPool;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/**
 * Runs tasks on members — worker threads, or the main thread — as the assignment says, and
 * moves them: a task that leaves a member stops there (draining and checkpointing), and
 * starts on its new member from that checkpoint. The same moves follow a worker that
 * crashed: its tasks start again elsewhere from their last checkpoints. On Kafka, a
 * consumer group's rebalance drives the same two steps.
 *
 * A task that cannot start — its checkpoint no longer fits the pipeline, its plan does not
 * fit its topics, a worker cannot build its plan — fails alone, as a task that fails while
 * running does: its pipeline shows status `failed` with the reason, and the other tasks
 * (and the platform) run on.
 *
 * A task on the main thread fenced by another run's claim (`TRB_CHECKPOINT_FENCED`) starts
 * again from its checkpoint if, after a moment, it is still placed here: the claim came from
 * a run that is gone (a process that died as it took the partition over), and the partition
 * is still this process's. Otherwise its consumer group revokes it meanwhile, and nothing
 * starts. Tasks on worker threads are not fenced: a task moves between threads only after
 * it stopped.
 */
export class TaskManager {
  private readonly tasks = new Map<string, PlannedTask>();
  /** Task key → the member it runs on. */
  private readonly placement = new Map<string, string>();
  private readonly local = new Map<string, PipelineTask>();
  /** Changes to the set of tasks, one at a time (consumer groups assign and revoke concurrently). */
  private changes: Promise<void> = Promise.resolve();
  /** Set by stopAll: nothing starts again from then on. */
  private stopping = false;

  constructor(private readonly options: TaskManagerOptions) {}

  /** The worker members (none: everything runs on the main thread). */
  get workers(): string[] {
    return this.options.pool?.names() ?? [];
  }

  /** Where each task runs, by task key. */
  get assignment(): ReadonlyMap<string, string> {
    return this.placement;
  }

  memberOf(ref: TaskRef): string | undefined {
    return this.placement.get(taskKey(ref));
  }

  /**
   * Adds tasks and starts them where a balanced assignment puts them (at start, and when a
   * consumer group assigns their partitions to this process).
   */
  run(tasks: readonly PlannedTask[]): Promise<void> {
    return this.serially(async () => {
      for (const task of tasks) this.tasks.set(taskKey(task.spec), task);
      await this.rebalance(this.workers);
    });
  }

  /**
   * Stops tasks (each drains and checkpoints) and forgets them: a consumer group revoked
   * their partitions from this process, and another starts them from those checkpoints.
   */
  remove(refs: readonly TaskRef[]): Promise<void> {
    return this.serially(async () => {
      await Promise.all(
        refs.map(async (ref) => {
          const key = taskKey(ref);
          const task = this.tasks.get(key);
          const member = this.placement.get(key);
          this.tasks.delete(key);
          if (task && member !== undefined)
            await this.stopOn(member, task).catch((error) =>
              this.options.logger?.error({ task: key, error }, 'a task failed to stop'),
            );
        }),
      );
    });
  }

  private serially(work: () => Promise<void>): Promise<void> {
    const run = this.changes.then(work);
    this.changes = run.catch(() => {});
    return run;
  }

  /**
   * Assigns every task over `members` (worker names), keeping tasks where they are as far
   * as balance allows, and carries out the moves. Tasks without a recipe stay on the main
   * thread.
   */
  async rebalance(members: readonly string[]): Promise<void> {
    const movable = [...this.tasks.values()].filter((t) => t.recipe && members.length > 0);
    const target = assignTasks(
      movable.map((t) => t.spec),
      members,
      this.placement,
    );
    for (const task of this.tasks.values()) {
      const key = taskKey(task.spec);
      const member = target.get(key) ?? MAIN;
      const current = this.placement.get(key);
      if (current === member) continue;
      if (current !== undefined) await this.stopOn(current, task);
      await this.startOn(member, task);
    }
  }

  /** Moves one task to `member` now (tests drive assignments this way). */
  async move(ref: TaskRef, member: string): Promise<void> {
    const task = this.tasks.get(taskKey(ref));
    if (!task) return;
    const current = this.placement.get(taskKey(ref));
    if (current === member) return;
    if (current !== undefined) await this.stopOn(current, task);
    await this.startOn(member, task);
  }

  /** A worker is gone without stopping its tasks (a crash): start them again from their checkpoints. */
  async recover(member: string): Promise<string[]> {
    // They stay placed on the member: if it dies again while they start, the next recovery
    // finds them there too.
    const lost = [...this.placement].filter(([, m]) => m === member).map(([key]) => key);
    if (this.options.pool) {
      await this.options.pool.spawn(member);
      for (const key of lost) await this.startOn(member, this.tasks.get(key)!);
    }
    return lost;
  }

  /** Stops every task (each drains and checkpoints). */
  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.placement].map(([key, member]) =>
        this.stopOn(member, this.tasks.get(key)!).catch((error) =>
          this.options.logger?.error({ task: key, error }, 'a task failed to stop'),
        ),
      ),
    );
  }

  /**
   * Starts a task on `member`; one that cannot start is reported failed, never thrown. A start
   * that failed on something external (the cluster or the database away for a moment) is
   * tried again, 0.5 s and doubling to at most 5 s apart, for as long as the task is placed there.
   */
  private async startOn(member: string, task: PlannedTask): Promise<void> {
    const key = taskKey(task.spec);
    for (let attempt = 0; ; attempt++) {
      const error = await this.tryStart(member, task);
      if (error === undefined) return;
      if (
        !(error instanceof TributaryError && error.domain === 'external') ||
        this.placement.get(key) !== member
      )
        return this.failed(member, task, error);
      const waitMs = Math.min(5_000, 500 * 2 ** Math.min(attempt, 4));
      this.options.logger?.warn(
        { pipeline: task.spec.pipeline, task: task.spec.task, member, error: describeError(error), attempt },
        `pipeline "${task.spec.pipeline}" task ${task.spec.task} could not start; trying again in ${waitMs} ms`,
      );
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      if (this.placement.get(key) !== member) return;
    }
  }

  /** One attempt at starting a task on `member`: the error it failed with, or undefined. */
  private async tryStart(member: string, task: PlannedTask): Promise<unknown> {
    const key = taskKey(task.spec);
    // Placed even if it fails: it stops there with the others, and a crash of its worker
    // (or a move) tries it again.
    this.placement.set(key, member);
    try {
      if (member === MAIN) {
        const running = new PipelineTask({
          spec: task.spec,
          plan: task.plan,
          host: this.options.host,
          clock: this.options.clock ?? systemClock,
          logger: this.options.logger?.child({ pipeline: task.spec.pipeline, task: task.spec.task }),
          onFenced: () => void this.restartFenced(key, running),
        });
        this.local.set(key, running);
        await running.start();
      } else {
        await this.options.pool!.start(member, task.spec, task.recipe!);
      }
    } catch (error) {
      // Nothing of it runs (a worker forgets a task that failed to start): no stop to ask for,
      // and no later report of its own to override this one.
      this.local.delete(key);
      return error;
    }
    return undefined;
  }

  private async restartFenced(key: string, fenced: PipelineTask): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, FENCED_RESTART_MS));
    await this.serially(async () => {
      // Stopped, moved or started again meanwhile: nothing left to do here.
      const task = this.tasks.get(key);
      if (!task || this.stopping || this.local.get(key) !== fenced) return;
      this.options.logger?.warn(
        { pipeline: task.spec.pipeline, task: task.spec.task },
        `pipeline "${task.spec.pipeline}" task ${task.spec.task} was fenced by another run's claim and is still this process's: it starts again from its checkpoint`,
      );
      await this.stopOn(MAIN, task);
      await this.startOn(MAIN, task);
    });
  }

  private failed(member: string, { spec }: PlannedTask, error: unknown): void {
    const reason = describeError(error);
    this.options.logger?.error(
      { pipeline: spec.pipeline, task: spec.task, member, error: reason },
      `pipeline "${spec.pipeline}" task ${spec.task} could not start: ${reason.message}`,
    );
    this.options.host.report(failedToStart(spec, reason.message));
  }

  private async stopOn(member: string, task: PlannedTask): Promise<void> {
    const key = taskKey(task.spec);
    this.placement.delete(key);
    if (member === MAIN) {
      const running = this.local.get(key);
      this.local.delete(key);
      await running?.stop();
    } else {
      await this.options.pool!.stop(member, task.spec.pipeline, task.spec.task);
    }
  }
}
