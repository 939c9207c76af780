/**
 * A worker thread of the platform: runs the pipeline tasks the main thread gives it, with
 * the main thread as their host (log, store, live updates, alerting).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../../engine/time/clock.js';
import { createLogger } from '../../observability/logger.js';
import { RpcEndpoint } from '../../threads/rpc.js';
import { PipelineTask } from '../task/pipeline-task.js';
import type { TaskSpec } from '../task/task-spec.js';
import { buildPlan, type PlanRecipe } from './plan-recipe.js';
import { RemoteHost } from './remote-host.js';

export interface WorkerData {
  readonly member: string;
  /** Level of the JSON logs; none when the platform logs nothing. */
  readonly logLevel?: string;
}

const { member, logLevel } = workerData as WorkerData;
const logger = logLevel ? createLogger({ level: logLevel }).child({ worker: member }) : undefined;
const tasks = new Map<string, PipelineTask>();
const id = (pipeline: string, task: string) => `${pipeline}#${task}`;

const main = new RpcEndpoint(parentPort!, {
  'task.start': async (spec: TaskSpec, recipe: PlanRecipe) => {
    const task = new PipelineTask({
      spec,
      plan: await buildPlan(recipe),
      host,
      clock: systemClock,
      logger: logger?.child({ pipeline: spec.pipeline, task: spec.task }),
    });
    tasks.set(id(spec.pipeline, spec.task), task);
    try {
      await task.start();
    } catch (error) {
      tasks.delete(id(spec.pipeline, spec.task));
      throw error;
    }
  },
  'task.stop': async (pipeline: string, task: string) => {
    const running = tasks.get(id(pipeline, task));
    tasks.delete(id(pipeline, task));
    await running?.stop();
  },
});
const host = new RemoteHost(main);
