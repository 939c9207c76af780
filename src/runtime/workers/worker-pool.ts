import { Worker } from 'node:worker_threads';
import { TributaryError } from '../../errors.js';
import { RpcEndpoint } from '../../threads/rpc.js';
import { threadScript } from '../../threads/script.js';
import type { TaskHost } from '../host/task-host.js';
import type { TaskSpec } from '../task/task-spec.js';
import { hostHandlers } from './host-handlers.js';
import type { PlanRecipe } from './plan-recipe.js';
import type { WorkerData } from './worker-main.js';

interface Member {
  readonly worker: Worker;
  readonly endpoint: RpcEndpoint;
  /** Set once it exits; a member that exited runs nothing. */
  exited: boolean;
}

export interface WorkerPoolOptions {
  /** Where the tasks' calls are served: the main thread's host. */
  readonly host: TaskHost;
  /** Level of the workers' JSON logs; none when the platform logs nothing. */
  readonly logLevel?: string;
  /** A worker exited without being asked to (a crash): its tasks are gone with it. */
  readonly onExit: (member: string, error: Error) => void;
}

/**
 * The worker threads that run pipeline tasks. Each worker is a member the platform's
 * assignment gives tasks to; the main thread serves their calls to the log and the store.
 */
export class WorkerPool {
  private readonly members = new Map<string, Member>();
  private closing = false;

  constructor(private readonly options: WorkerPoolOptions) {}

  /** Starts a worker under this name (again, after it crashed). */
  async spawn(name: string): Promise<void> {
    const worker = new Worker(threadScript('./worker-main.js', import.meta.url), {
      workerData: { member: name, logLevel: this.options.logLevel } satisfies WorkerData,
    });
    const endpoint = new RpcEndpoint(worker, hostHandlers(this.options.host));
    const member: Member = { worker, endpoint, exited: false };
    this.members.set(name, member);
    let failure: Error | undefined;
    worker.on('error', (error) => {
      failure = error;
    });
    worker.on('exit', (code) => {
      member.exited = true;
      const error = failure ?? new Error(`worker ${name} exited with code ${code}`);
      endpoint.close(error);
      if (!this.closing && this.members.get(name) === member) this.options.onExit(name, error);
    });
    await new Promise<void>((resolve, reject) => {
      worker.once('online', resolve);
      worker.once('error', reject);
    });
  }

  names(): string[] {
    return [...this.members.keys()];
  }

  /** Starts a task on a member; resolves once it restored its checkpoint and reads. */
  start(name: string, spec: TaskSpec, recipe: PlanRecipe): Promise<void> {
    return this.member(name).endpoint.call('task.start', [spec, recipe]);
  }

  /** Stops a task on a member: it drains and writes a last checkpoint. */
  stop(name: string, pipeline: string, task: string): Promise<void> {
    return this.member(name).endpoint.call('task.stop', [pipeline, task]);
  }

  /**
   * Ends a worker at once, as a crash would: what its tasks had not checkpointed is lost.
   * Resolves once its exit was handled (`onExit` called), not merely once it stopped.
   */
  async kill(name: string): Promise<void> {
    const { worker } = this.member(name);
    // Listeners run in the order they were added: spawn's exit handler runs before this one.
    const handled = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    await worker.terminate();
    await handled;
  }

  /** Ends every worker (after their tasks were stopped). */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.members.values()].map((m) => m.worker.terminate()));
    this.members.clear();
  }

  private member(name: string): Member {
    const member = this.members.get(name);
    if (!member || member.exited) {
      throw new TributaryError('TRB_INTERNAL', `worker ${name} is not running`);
    }
    return member;
  }
}
